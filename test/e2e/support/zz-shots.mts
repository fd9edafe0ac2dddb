import { launchBrowser, openConsole } from './browser';
import { startServe } from './server';
import { ConsolePage } from './console-page';
const serve = await startServe();
const browser = await launchBrowser();
try {
  await serve.call('lab.loadExample', {});
  const { page, errors } = await openConsole(browser, serve.url);
  const ui = new ConsolePage(page);
  await ui.go('routers'); await page.waitForTimeout(300);
  await page.screenshot({ path: `/tmp/dbg/light-routers.png` });
  await ui.openTopology();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `/tmp/dbg/light-topology.png` });
  await ui.byTestId('topo-fip-162.3.124.5').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `/tmp/dbg/light-topology-hl.png` });
  console.log(errors);
} finally { await browser.close(); await serve.stop(); }
