/**
 * Renders a report in headless Chromium (Debian's `chromium`, driven by playwright-core) and
 * takes a screenshot: how the tests prove report.html is a working page, and a quick way to
 * look at one without a desktop.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where Debian's package puts it; REGIONKIT_CHROMIUM overrides. */
export function findChromium(): string | undefined {
  const candidates = [
    process.env.REGIONKIT_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ];
  return candidates.find((path): path is string => typeof path === 'string' && existsSync(path));
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface RenderedReport {
  /** Requests the page made other than for itself (a self-contained page makes none). */
  readonly externalRequests: readonly string[];
  readonly consoleErrors: readonly string[];
  readonly title: string;
  /** Text of the page's first heading. */
  readonly heading: string;
  /** Number of SVG charts and how many have drawn data (polylines or polygons). */
  readonly charts: number;
  readonly chartsWithData: number;
  /** Labels of the key-figure cards fully visible without scrolling. */
  readonly firstScreen: readonly string[];
}

/** Opens `htmlPath`, checks what it loads, and writes a screenshot of the first screen to `pngPath`. */
export async function renderReportInChromium(
  htmlPath: string,
  pngPath: string,
  options: {
    readonly executablePath?: string;
    readonly width?: number;
    readonly height?: number;
    readonly fullPage?: boolean;
  } = {},
): Promise<RenderedReport> {
  const executablePath = options.executablePath ?? findChromium();
  if (!executablePath) throw new Error('no Chromium found (install the Debian package `chromium`)');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({
      viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    });
    const url = pathToFileURL(htmlPath).href;
    const externalRequests: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (request) => {
      if (request.url() !== url) externalRequests.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: pngPath, fullPage: options.fullPage ?? false });
    const viewport = page.viewportSize() ?? { width: 0, height: 0 };
    const firstScreen: string[] = [];
    for (const label of await page.locator('.card .label').all()) {
      const box = await label.boundingBox();
      if (box && box.y >= 0 && box.y + box.height <= viewport.height) {
        firstScreen.push(((await label.textContent()) ?? '').trim());
      }
    }
    return {
      externalRequests,
      consoleErrors,
      title: await page.title(),
      heading: (await page.textContent('h1')) ?? '',
      charts: await page.locator('svg').count(),
      chartsWithData: await page.locator('svg:has(polyline, polygon)').count(),
      firstScreen,
    };
  } finally {
    await browser.close();
  }
}
