import i18n from ".";

// Vitest's setup (vite.config.ts): both languages loaded, English current, before any test renders.
await i18n.loadLanguages(["en", "es"]);
await i18n.changeLanguage("en");
