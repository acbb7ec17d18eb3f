package contract

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
)

// Validate returns a handler that serves every request with next and checks
// each exchange on a path a contract covers: the request (method, URL,
// headers, body) and next's response (status, headers, body). Every
// violation is passed to report, as a *Violation, on the goroutine that
// served the request; report must be safe for concurrent use. Exchanges on
// paths no contract covers (/health, /_emulator/..., /api/v2/buckets) are
// passed through unchecked.
//
// The request body is read in full before next runs, and next reads it from
// memory. The response is passed on as next writes it, flushes included, and
// recorded beside; it is checked when next returns. There is nothing to
// check, and only the request is, when
//
//   - next hijacked the connection (the emulator's dropped creates) or
//     panicked (http.ErrAbortHandler aborts a response), or
//   - next wrote nothing and the request's context has ended: the client gave
//     up (a timeout) and no response exists; net/http's implicit empty 200
//     would reach nobody.
func Validate(set *Set, next http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !set.Covers(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(r.Body)
			if err != nil {
				// The request never arrived whole: nothing to check. next
				// sees what arrived, then the same error.
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
				next.ServeHTTP(w, r)
				return
			}
			_ = r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		// The request as it arrived; next may change r.
		in := r.Clone(r.Context())
		in.Body = http.NoBody
		rec := &recorder{ResponseWriter: w}
		returned := false
		defer func() {
			ex := &Exchange{Request: in, RequestBody: body}
			switch {
			case !returned || rec.hijacked:
			case rec.status == 0 && r.Context().Err() != nil:
			default:
				ex.Responded = true
				if rec.status == 0 { // net/http's implicit 200
					rec.writeHeader(http.StatusOK)
				}
				ex.Status, ex.Header, ex.Body = rec.status, rec.header, rec.body.Bytes()
				// Like net/http, type a body the handler left untyped.
				if _, typed := ex.Header["Content-Type"]; !typed && len(ex.Body) > 0 && ex.Header.Get("Transfer-Encoding") == "" {
					ex.Header.Set("Content-Type", http.DetectContentType(ex.Body))
				}
			}
			for _, v := range set.Check(context.WithoutCancel(r.Context()), ex) {
				report(v)
			}
		}()
		next.ServeHTTP(rec, r)
		returned = true
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// recorder passes a response on to the real writer and keeps a copy.
// Unwrap lets http.ResponseController reach the real writer's other
// features (deadlines, full duplex).
type recorder struct {
	http.ResponseWriter
	status   int         // the final status, 0 until one is written
	header   http.Header // the header as it was when the status was written
	body     bytes.Buffer
	hijacked bool
}

func (rec *recorder) writeHeader(code int) {
	if rec.status == 0 {
		rec.status = code
		rec.header = rec.ResponseWriter.Header().Clone()
	}
}

func (rec *recorder) WriteHeader(code int) {
	// 1xx answers other than 101 are informational: the final one follows.
	if code >= 200 || code == http.StatusSwitchingProtocols || code < 100 {
		rec.writeHeader(code)
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.writeHeader(http.StatusOK)
	n, err := rec.ResponseWriter.Write(b)
	rec.body.Write(b[:n])
	return n, err
}

// FlushError flushes like http.ResponseController does; a flush before any
// status sends the header with 200.
func (rec *recorder) FlushError() error {
	var header http.Header
	if rec.status == 0 {
		header = rec.ResponseWriter.Header().Clone()
	}
	err := http.NewResponseController(rec.ResponseWriter).Flush()
	if err == nil && rec.status == 0 {
		rec.status, rec.header = http.StatusOK, header
	}
	return err
}

// Flush lets handlers that assert http.Flusher flush.
func (rec *recorder) Flush() { _ = rec.FlushError() }

// Hijack hands over the connection; the exchange then has no response.
func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(rec.ResponseWriter).Hijack()
	if err == nil {
		rec.hijacked = true
	}
	return conn, brw, err
}

func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
