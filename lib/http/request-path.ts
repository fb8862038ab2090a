/**
 * The page a request asked for (path and query), set by our HTTP server on every page request
 * (a value a client sent is replaced): a server component cannot otherwise know its own URL, and
 * sign-in needs it to bring people back to the page they were sent away from.
 */
export const REQUEST_PATH_HEADER = 'x-sealpost-path';
