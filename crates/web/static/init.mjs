// Starts govuk-frontend's JavaScript enhancements; every page works without them.
import { initAll } from "/assets/govuk-frontend.min.js?v=6.6.0";
initAll();
