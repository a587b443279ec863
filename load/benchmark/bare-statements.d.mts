/** The statements of the bare three-hop reference, copied from the services (see bare-statements.mjs). */
export const FIND_IDENTITY: string;
export const RESERVE_IN_ONE_STATEMENT: string;
export const INSERT_PENDING: string;
export const TRANSITION: string;
