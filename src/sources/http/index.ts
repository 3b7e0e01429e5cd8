export { ApiHealthSource, checkApiHealth, healthUrl, API_TIMEOUT_MS, type ApiHealthOptions } from './apiHealth.js';
