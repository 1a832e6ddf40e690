// SPDX-License-Identifier: Apache-2.0
// End-to-end in headless Firefox ESR (puppeteer-core over WebDriver BiDi): see scenarios.mjs
// and README.md.
import { browserSuite } from './scenarios.mjs';

browserSuite('firefox');
