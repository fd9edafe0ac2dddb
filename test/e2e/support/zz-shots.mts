import { launchBrowser, openConsole } from './browser';
import { startServe } from './server';
import { ConsolePage } from './console-page';
const serve = await startServe();
const browser = await launchBrowser();
try {
  await serve.call('lab.loadExample', {});
  for (const scheme of ['light', 'dark'] as const) {
    const { page, errors } = await openConsole(browser, serve.url, { colorScheme: scheme });
    const ui = new ConsolePage(page);
    for (const v of ['overview', 'pods', 'external', 'networks', 'routers', 'ports', 'fips', 'jobs', 'routings', 'audit'] as const) {
      await ui.go(v);
      await page.waitForTimeout(400);
      await page.screenshot({ path: `/tmp/dbg/${scheme}-${v}.png`, fullPage: true });
    }
    await ui.openTopology();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `/tmp/dbg/${scheme}-topology.png` });
    console.log(scheme, errors);
  }
} finally { await browser.close(); await serve.stop(); }
