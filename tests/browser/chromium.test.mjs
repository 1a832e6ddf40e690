// SPDX-License-Identifier: Apache-2.0
// End-to-end in headless Chromium (playwright-core): see scenarios.mjs and README.md.
import { browserSuite } from './scenarios.mjs';

browserSuite('chromium');
