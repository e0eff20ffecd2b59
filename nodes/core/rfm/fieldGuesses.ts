/** Field names RFM Score (and Fetch Customers' CSV source) guess when the marketer maps none. */
export const ORDER_FIELDS = {
	customerId: ['customerId', 'customer_id', 'customerID', 'CustomerID', 'Customer ID', 'customer.id', 'client_id', 'user_id', 'email', 'customer_email', 'billing.email'],
	orderId: ['orderId', 'order_id', 'orderNumber', 'order_number', 'InvoiceNo', 'invoice_id', 'transaction_id', 'id'],
	date: ['createdAt', 'created_at', 'date', 'order_date', 'orderDate', 'InvoiceDate', 'date_created_gmt', 'date_created', 'processed_at', 'timestamp', 'created'],
	amount: ['total', 'total_price', 'totalPrice', 'amount', 'order_total', 'revenue', 'value', 'dollar_value', 'dollars', 'current_total_price', 'sales', 'price'],
	currency: ['currency', 'currency_code', 'currencyCode'],
	status: ['status', 'financial_status', 'financialStatus', 'displayFinancialStatus', 'order_status', 'state'],
} as const;

export const CUSTOMER_FIELDS = {
	customerId: ['customerId', 'customer_id', 'customerID', 'CustomerID', 'id', 'email'],
	lastOrderDate: ['lastOrderDate', 'last_order_date', 'lastOrderAt', 'last_order_at', 'lastOrder.createdAt', 'last_purchase_date', 'last_purchase'],
	ordersCount: ['ordersCount', 'orders_count', 'numberOfOrders', 'order_count', 'total_orders', 'frequency'],
	totalSpent: ['totalSpent', 'total_spent', 'amountSpent.amount', 'amount_spent', 'lifetime_value', 'total_revenue', 'monetary'],
	currency: ['currency', 'amountSpent.currencyCode', 'currency_code', 'currencyCode'],
	firstOrderDate: ['firstOrderDate', 'first_order_date', 'firstOrderAt', 'first_order_at'],
} as const;

/** Order statuses excluded by default (case-insensitive): the order never happened or is not paid yet. */
export const DEFAULT_EXCLUDED_STATUSES = ['cancelled', 'canceled', 'voided', 'void', 'failed', 'declined', 'expired', 'pending', 'on-hold', 'unpaid', 'draft', 'trash', 'checkout-draft'];
/** Statuses of orders refunded in full: excluded from frequency and monetary. */
export const DEFAULT_REFUNDED_STATUSES = ['refunded', 'fully_refunded', 'returned', 'chargeback'];
