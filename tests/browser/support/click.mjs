// SPDX-License-Identifier: Apache-2.0
// A child's click: the test page's button (#act) runs `fn(arg)` in the page from its click
// handler, so the call carries a user gesture (docs/protocol.md §8.5). Does not wait for fn's
// outcome: clickOutcome(page) does.
export async function clickToRun(page, fn, arg) {
  await page.bringToFront();
  await page.evaluate(({ source, arg }) => {
    const run = (0, eval)(`(${source})`);
    window.clickOutcome = new Promise((resolve) => {
      window.onAct = () => {
        window.onAct = null;
        resolve(Promise.resolve().then(() => run(arg)));
      };
    });
  }, { source: fn.toString(), arg });
  await page.click('#act');
}

// What the function started by the last clickToRun resolved with.
export function clickOutcome(page) {
  return page.evaluate(() => window.clickOutcome);
}
