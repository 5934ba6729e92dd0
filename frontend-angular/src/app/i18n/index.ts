export * from './i18n';
export { TPipe } from './t.pipe';
export { I18nTitleStrategy, LocaleSync, localeInterceptor, pageTitle } from './locale-sync';
