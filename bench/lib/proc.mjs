// Transitional: these moved to @crm/test-kit; bench/http.mjs, being edited elsewhere while the kit
// landed, still imports them from here. Delete once it imports the kit.
export { startAndWait, stopChild as stop, run, getJson, sleep } from '@crm/test-kit';
