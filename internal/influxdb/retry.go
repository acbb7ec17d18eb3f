package influxdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryPolicy says which failures a request may be retried after. Only what
// the server certainly did not act on, or what is harmless to repeat, is
// retried.
type retryPolicy int

const (
	// retryIdempotent: GET, PATCH and DELETE give the same result when
	// repeated, so every transient failure is retried.
	retryIdempotent retryPolicy = iota
	// retryNotActed: POSTs that must not run twice (create, invoke). They are
	// retried only when the server certainly did not act: a 429, a 503 that
	// carries Retry-After, or a connection that was refused before anything
	// was sent. Create resolves the other, ambiguous failures itself.
	retryNotActed
	// retryRateLimitOnly: invoke, which may have side effects. Only a 429 (the
	// server did not run the script) or a refused connection is retried.
	retryRateLimitOnly
)

// attemptState is the bookkeeping of one request's attempts. retrier binds
// it to that request's hooks, so no hook has to find it elsewhere;
// go-retryablehttp calls the hooks of one Do one after another on the
// calling goroutine, which is why plain fields suffice.
type attemptState struct {
	policy retryPolicy
	// maxAttempts bounds the attempts of the request (at least 1).
	maxAttempts int
	// base is how many attempts the same operation made before this
	// request (see budget); retry logs and backoff count from there.
	base     int
	attempts int
	// lastErr is the transport error of the attempt that failed, for the
	// retry log line: written by checkRetry, read by the backoff hook.
	lastErr error
}

// logRetry logs one retry: which attempt failed (counted from 0 across the
// whole operation), how (status or error), and how long the client waits
// before the next one.
func (c *Client) logRetry(ctx context.Context, state *attemptState, attempt int, resp *http.Response, wait time.Duration) {
	if c.log == nil {
		return
	}
	fields := map[string]any{"attempt": attempt + 1, "max_attempts": c.maxRetries + 1, "wait": wait.String()}
	if resp != nil {
		fields["status"] = resp.StatusCode
		if resp.Request != nil {
			fields["method"] = resp.Request.Method
			fields["path"] = resp.Request.URL.Path
		}
	} else if state != nil && state.lastErr != nil {
		fields["error"] = c.redact(state.lastErr.Error())
	}
	c.debug(ctx, "retrying InfluxDB request", fields)
}

func (state *attemptState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	policy := state.policy
	if err != nil {
		state.lastErr = err
		if !transientTransportError(err) {
			return false, nil
		}
		if policy == retryIdempotent {
			return true, nil
		}
		return refusedBeforeSending(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, nil
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		switch policy {
		case retryIdempotent:
			return true, nil
		case retryNotActed:
			// A 503 with Retry-After is the server saying "not now": it did
			// not act. Without it, a gateway may have passed the request on.
			return resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "", nil
		}
	}
	return false, nil
}

// transientTransportError is false for errors that repeating cannot fix,
// such as an untrusted certificate.
func transientTransportError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var notTLS tls.RecordHeaderError // https:// to a port that does not speak TLS
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &notTLS) {
		return false
	}
	// net/http turns a RecordHeaderError from a plain-HTTP server into this
	// unexported error; its text is all there is to match.
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return false
	}
	// tls.CertificateVerificationError unwraps to the x509 errors above.
	return true
}

// refusedBeforeSending reports a dial failure: nothing reached the server.
func refusedBeforeSending(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// backoff waits as the server asks (Retry-After in seconds or as an HTTP
// date, capped), else exponentially with full jitter: a random wait between
// zero and min·2^attempt, at most max. attempt counts from 0. It does not log
// (it has no context to log with); the callers do.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if wait, fromServer := retryAfter(resp, c.retryAfterCap); fromServer {
		return wait
	}
	if maxWait <= 0 {
		return 0
	}
	ceiling := maxWait
	// minWait<<attempt without overflow: only when it stays below maxWait.
	if attempt >= 0 && attempt < 63 && minWait > 0 && minWait <= maxWait>>attempt {
		ceiling = minWait << attempt
	}
	n := int64(ceiling)
	if n < math.MaxInt64 {
		n++ // Int64N excludes its bound; the ceiling itself is a valid wait
	}
	return time.Duration(rand.Int64N(n)) //nolint:gosec // jitter, not security
}

// retryAfter reads the Retry-After header of a 429 or 503.
func retryAfter(resp *http.Response, maxWait time.Duration) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	h := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if h == "" {
		return 0, false
	}
	var wait time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if secs < 0 {
			return 0, false
		}
		wait = time.Duration(secs) * time.Second
		if err != nil || secs > int64(maxWait/time.Second)+1 {
			wait = maxWait // also when the number does not even fit in 64 bits
		}
	} else if t, err := http.ParseTime(h); err == nil {
		wait = time.Until(t)
		if wait < 0 {
			wait = 0
		}
	} else {
		return 0, false
	}
	if wait > maxWait {
		wait = maxWait
	}
	return wait, true
}

// giveUp is called when retries are exhausted or a retry check failed: hand
// the last response back (so its error body is decoded) or the last error.
func giveUp(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && err == nil {
		return resp, nil
	}
	if resp != nil {
		_ = resp.Body.Close()
	}
	return nil, err
}
