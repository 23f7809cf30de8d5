/** What a mailed link asks the person to do; the console serves a page for each. */
export type LinkAction = 'accept-invitation' | 'verify-email' | 'reset-password';

/**
 * A mailed link from MAIL_LINK_TEMPLATE. The token sits in the URL fragment (the template is
 * checked for it at start-up): browsers never send a fragment, so no proxy or access log records it.
 */
export const mailLink = (template: string, action: LinkAction, token: string): string =>
  template.replaceAll('{action}', action).replaceAll('{token}', encodeURIComponent(token));
