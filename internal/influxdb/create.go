package influxdb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// budget is the number of attempts one operation may spend over several
// requests. A create is one operation however often it sends its POST: every
// POST it makes (the retries of a 429, of a 503 with Retry-After or of a
// refused connection, and the new POSTs after an ambiguous failure) spends
// from the same budget of max_retries + 1, passed explicitly to each request.
type budget struct {
	max  int // attempts allowed in all
	used int // attempts made so far, including ones that failed before sending
}

func (c *Client) newBudget() *budget { return &budget{max: c.maxRetries + 1} }

// left is how many attempts remain (at least one, so a request that is
// built is also sent).
func (b *budget) left() int { return max(b.max-b.used, 1) }

// lookupResult is what a create learned by looking for its object after an
// ambiguous failure.
type lookupResult int

const (
	lookupNone    lookupResult = iota // nothing there: send the create again
	lookupAdopted                     // the failed POST's object was found and taken
	lookupTaken                       // another object holds the name: the error says which
)

// createOp is one create: post sends the POST once (with the retries its
// policy allows) within the budget; lookup looks for what an ambiguous
// failure may have made.
type createOp struct {
	op     string
	name   string
	post   func(ctx context.Context, b *budget) error
	lookup func(ctx context.Context) (lookupResult, error)
}

// create runs a create that is never sent twice blindly: after a failure
// that leaves it unclear whether the server acted (a timeout, a dropped
// connection, a gateway error), it calls lookup, and sends the POST again
// only when nothing was found and the budget allows. The lookups are separate
// requests with their own retries and do not spend the budget. The error
// that ends a create counts every attempt it made.
func (c *Client) create(ctx context.Context, op createOp) error {
	b := c.newBudget()
	var lastErr error // the last ambiguous failure
	for {
		err := op.post(ctx, b)
		if err == nil {
			return nil
		}
		setAttempts(err, b.used)
		// A conflict after an ambiguous attempt is most likely that attempt's
		// object, which the list did not show yet: look again.
		conflictAfterAmbiguous := lastErr != nil && IsConflict(err)
		if !ambiguous(err) && !conflictAfterAmbiguous {
			return err
		}
		if !conflictAfterAmbiguous {
			lastErr = err
		}
		c.debug(ctx, "create failed ambiguously; looking the name up before trying again", map[string]any{"name": op.name, "error": err.Error()})
		found, ferr := op.lookup(ctx)
		switch {
		case found == lookupAdopted:
			return nil
		case found == lookupTaken:
			return ferr
		case ferr != nil:
			return fmt.Errorf("%w; looking the name up afterwards also failed: %w", err, ferr)
		case conflictAfterAmbiguous:
			return err // the server says the name is taken, yet lists no such object
		case b.used >= b.max:
			return lastErr
		}
		if err := c.sleep(ctx, op.op, b.used); err != nil {
			return &TransportError{Op: op.op, Attempts: b.used, Err: err}
		}
	}
}

// setAttempts makes the error of a request count all attempts of the
// operation it belongs to, not only its own.
func setAttempts(err error, attempts int) {
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Attempts = max(ae.Attempts, attempts)
		return
	}
	var te *TransportError
	if errors.As(err, &te) {
		te.Attempts = max(te.Attempts, attempts)
	}
}

// ambiguous reports a create failure after which the object may or may not exist.
func ambiguous(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return !refusedBeforeSending(te.Err) && !errors.Is(te.Err, context.Canceled)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		case http.StatusServiceUnavailable:
			return ae.RetryAfter == ""
		}
	}
	return false
}

// sleep waits before a create is sent again after attempts attempts.
func (c *Client) sleep(ctx context.Context, op string, attempts int) error {
	wait := c.backoff(c.retryWaitMin, c.retryWaitMax, attempts-1, nil)
	c.debug(ctx, "retrying create after an ambiguous failure", map[string]any{"op": op, "attempt": attempts, "max_attempts": c.maxRetries + 1, "wait": wait.String()})
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
