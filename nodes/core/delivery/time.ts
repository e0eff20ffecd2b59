/** Time constants of the delivery engine. */
export const DAY_MS = 86400000;
export const MINUTE_MS = 60000;
