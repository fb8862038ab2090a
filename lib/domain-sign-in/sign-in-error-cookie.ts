/**
 * The cookie that carries a refused Domain sign-in's reason to the sign-in page it returns to. It
 * holds only that sentence, so the page's script may read and delete it: the reason is shown once,
 * not again on a reload.
 */
export const SIGN_IN_ERROR_COOKIE = 'sp_sign_in_error';
