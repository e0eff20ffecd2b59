/**
 * Registry of the Campaign Send provider modules. The node builds its Provider option list, the
 * credentials list and the provider parameters from this array, in this order.
 */
import type { ProviderModule } from './module';

export const providerModules: ProviderModule[] = [];

export function findProviderModule(id: string): ProviderModule | undefined {
	return providerModules.find((m) => m.id === id);
}

export type { ProviderModule, ModuleProvider } from './module';
