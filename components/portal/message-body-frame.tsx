'use client';

import { useEffect, useRef } from 'react';

const MIN_HEIGHT = 120;

/**
 * A message body in a sandboxed frame that grows to fit it, so the page scrolls instead of a box
 * inside it. The frame may not run scripts (no `allow-scripts`, and its own CSP allows none);
 * `allow-same-origin` only lets this page measure the body's height.
 */
export function MessageBodyFrame({ document: html }: { document: string }) {
  const frame = useRef<HTMLIFrameElement>(null);

  useEffect(() => {
    const iframe = frame.current;
    if (!iframe) return;
    // Wrapping changes with the width (a narrower window, a phone turned sideways).
    const observer = new ResizeObserver(() => fit());
    let watched: HTMLElement | null = null;
    const fit = () => {
      const body = iframe.contentDocument?.body;
      if (!body) return;
      // The body's own height (it has no margin), not the document's, which is at least the frame's:
      // the frame can shrink again. The frame's border is inside its height (border-box).
      const border = iframe.offsetHeight - iframe.clientHeight;
      iframe.style.height = `${Math.max(MIN_HEIGHT, Math.ceil(body.getBoundingClientRect().height) + border)}px`;
      // Each load brings a new document (the first may be the empty one before srcdoc): watch its body.
      if (watched !== body) {
        observer.disconnect();
        observer.observe(body);
        watched = body;
      }
    };
    // The frame may have loaded before this ran (it is in the server's HTML).
    if (iframe.contentDocument?.readyState === 'complete') fit();
    iframe.addEventListener('load', fit);
    return () => {
      iframe.removeEventListener('load', fit);
      observer.disconnect();
    };
  }, [html]);

  return (
    <iframe
      ref={frame}
      title="Message body"
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      srcDoc={html}
      className="h-96 w-full rounded-md border border-line bg-white"
    />
  );
}
