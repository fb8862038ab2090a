'use client';

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', display: 'grid', placeItems: 'center', minHeight: '100vh', margin: 0 }}>
        <main style={{ textAlign: 'center', padding: 24 }}>
          <h1 style={{ fontSize: 22 }}>Sealpost is unavailable</h1>
          <p style={{ color: '#526077' }}>
            Please try again in a moment.{error.digest ? ` Reference: ${error.digest}.` : ''}
          </p>
          <button type="button" onClick={reset} style={{ padding: '8px 16px', borderRadius: 8, border: '1px solid #526077', background: '#fff', cursor: 'pointer' }}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
