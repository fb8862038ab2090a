'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
// The pure entry point loads js.stripe.com only when this form renders, not on every page that
// happens to bundle the module.
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Stripe } from '@stripe/stripe-js';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

const LOAD_FAILED = 'The card form could not be loaded. Check your connection and reload the page.';

// One Stripe.js instance per key for the life of the page: <Elements> must keep the promise it got
// first. A failed load is forgotten so that the next render can try again.
const instances = new Map<string, Promise<Stripe | null>>();
function stripeFor(publishableKey: string): Promise<Stripe | null> {
  let instance = instances.get(publishableKey);
  if (!instance) {
    instance = loadStripe(publishableKey).catch((e: unknown) => {
      console.error('Stripe.js failed to load', e);
      instances.delete(publishableKey);
      return null;
    });
    instances.set(publishableKey, instance);
  }
  return instance;
}

export type StripeCardFormProps = {
  publishableKey: string;
  /** From preparePaymentIntent: the intent for this order, amount set on the server. */
  clientSecret: string;
  /** Absolute URL Stripe returns to after the payment (and after 3-D Secure or a bank redirect). */
  returnUrl: string;
  /** The formatted total shown above Pay now, e.g. "$81.00". */
  totalLabel: string;
};

export function StripeCardForm({ publishableKey, clientSecret, returnUrl, totalLabel }: StripeCardFormProps) {
  const [stripe] = useState(() => stripeFor(publishableKey));
  const [loadFailed, setLoadFailed] = useState(false);
  useEffect(() => {
    let live = true;
    void stripe.then((s) => {
      if (live && !s) setLoadFailed(true);
    });
    return () => {
      live = false;
    };
  }, [stripe]);

  if (loadFailed) return <Alert variant="danger">{LOAD_FAILED}</Alert>;
  return (
    <Elements stripe={stripe} options={{ clientSecret, appearance: { theme: 'stripe' } }}>
      <PayNowForm returnUrl={returnUrl} totalLabel={totalLabel} />
    </Elements>
  );
}

function PayNowForm({ returnUrl, totalLabel }: Pick<StripeCardFormProps, 'returnUrl' | 'totalLabel'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [ready, setReady] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!stripe || !elements || submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      // Resolves only when the payment did not go through; on success Stripe navigates to
      // returnUrl, and the webhook (not this page) grants the licenses.
      const result = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl } });
      setError(result.error.message ?? 'The payment could not be completed. Try again or use another card.');
    } catch (e) {
      console.error('confirmPayment failed', e);
      setError('The payment could not be completed. Try again or use another card.');
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="grid gap-4" noValidate>
      <PaymentElement
        options={{ layout: 'tabs' }}
        onReady={() => setReady(true)}
        onLoadError={(e) => setError(e.error.message ?? LOAD_FAILED)}
      />
      <LiveAlert show={error} variant="danger">{error}</LiveAlert>
      <div className="flex items-center justify-between gap-4 border-t border-line pt-4">
        <p className="text-sm">
          Total <span className="text-base font-semibold tabular-nums">{totalLabel}</span>
        </p>
        <Button type="submit" size="lg" loading={submitting} disabled={!stripe || !elements || !ready}>
          Pay now
        </Button>
      </div>
    </form>
  );
}
