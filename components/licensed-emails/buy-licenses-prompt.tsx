'use client';

import Link from 'next/link';
import { plural } from '@/lib/format';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';

/**
 * Whether this administrator can buy the missing licenses now: `ask_level_1` for levels 2 and 3,
 * `renew_first` once the subscription's term has ended (lib/licensing/subscription-state.ts).
 */
export type Buying = 'allowed' | 'ask_level_1' | 'renew_first';

/**
 * When new addresses exceed the licenses available: the missing number is the minimum to buy
 * (more is allowed). Level 2 is told to ask a level 1 administrator; after the renewal date,
 * everyone is told to renew first.
 */
export function BuyLicensesPrompt({
  count,
  missing,
  available,
  buying,
  onBuy,
}: {
  count: number;
  missing: number;
  available: number;
  buying: Buying;
  onBuy: (quantity: number) => Promise<void>;
}) {
  const [quantity, setQuantity] = useState(String(missing));
  const [pending, setPending] = useState(false);
  const value = Number(quantity);
  const problem =
    quantity.trim() === '' || !Number.isInteger(value)
      ? 'Enter a whole number of licenses.'
      : value < missing
        ? `Buy at least ${missing.toLocaleString('en-US')}: these addresses need them.`
        : value > 100_000
          ? 'At most 100,000 licenses in one order. For more, contact us.'
          : null;
  const valid = problem === null;
  return (
    <Alert variant="warning" title={`You need ${plural(missing, 'more license', 'more licenses')}`}>
      <p>
        {count === 1 ? 'This address needs 1 license' : `These ${plural(count, 'address', 'addresses')} need ${plural(count, 'license')}`} and{' '}
        {available.toLocaleString('en-US')} {available === 1 ? 'is' : 'are'} available. Nothing has been added yet: the addresses are added when the licenses are paid for.
      </p>
      {buying === 'renew_first' ? (
        <p className="mt-2">
          Your subscription&apos;s term has ended: more licenses can be bought once it is renewed.{' '}
          <Link href="/renewals">Renew first</Link>
        </p>
      ) : buying === 'allowed' ? (
        <div className="mt-3 flex flex-wrap items-end gap-2">
          <div className="grid gap-1">
            <label htmlFor="buy-quantity" className="text-sm font-medium text-ink">
              Licenses to buy (at least {missing.toLocaleString('en-US')})
            </label>
            <Input
              id="buy-quantity"
              type="number"
              min={missing}
              max={100000}
              inputMode="numeric"
              value={quantity}
              onChange={(e) => setQuantity(e.target.value)}
              className="w-36"
              aria-invalid={valid ? undefined : true}
              aria-describedby={valid ? undefined : 'buy-quantity-problem'}
            />
          </div>
          <Button
            type="button"
            loading={pending}
            disabled={!valid}
            onClick={async () => {
              setPending(true);
              try {
                await onBuy(value);
              } finally {
                setPending(false);
              }
            }}
          >
            Buy licenses
          </Button>
          {problem && (
            <p id="buy-quantity-problem" className="basis-full text-sm font-medium text-danger-600">
              {problem}
            </p>
          )}
        </div>
      ) : (
        <p className="mt-2">Ask a level 1 administrator to buy more licenses, or remove addresses you no longer need.</p>
      )}
    </Alert>
  );
}
