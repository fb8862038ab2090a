/** Shared by the guards (pages, actions, routes) and the enrolment page; no server-only imports. */
export const TWO_FACTOR_PATH = '/two-factor';
export const SET_UP_TWO_FACTOR_FIRST = 'Your organisation requires two-factor authentication. Set it up before doing anything else.';
