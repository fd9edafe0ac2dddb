// Exports of the canvas as the screen shows it (html-to-image over the React Flow element, without
// the minimap and the zoom controls) and of the data behind the current level as JSON.
import { toBlob, toSvg } from 'html-to-image';

const skip = (n: HTMLElement) => !(n.classList?.contains('react-flow__minimap') || n.classList?.contains('react-flow__controls') || n.classList?.contains('topo-details'));

function background(el: HTMLElement): string {
  return getComputedStyle(el).backgroundColor || '#ffffff';
}

export async function canvasSvg(el: HTMLElement): Promise<string> {
  const url = await toSvg(el, { filter: skip, backgroundColor: background(el) });
  // A data URL of the SVG document itself.
  return decodeURIComponent(url.slice(url.indexOf(',') + 1));
}

export async function canvasPng(el: HTMLElement): Promise<Blob> {
  // toBlob, not a data URL fetched back: the console's CSP allows no fetch of data: URLs.
  const blob = await toBlob(el, { filter: skip, backgroundColor: background(el), pixelRatio: 1 });
  if (!blob) throw new Error('the canvas could not be drawn to PNG');
  return blob;
}

export function download(name: string, data: Blob | string, type = 'application/octet-stream'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
