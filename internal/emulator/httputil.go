package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Error codes from the contract's Error.code enum.
const (
	codeInternal         = "internal error"
	codeNotFound         = "not found"
	codeConflict         = "conflict"
	codeInvalid          = "invalid"
	codeUnavailable      = "unavailable"
	codeTooManyRequests  = "too many requests"
	codeUnauthorized     = "unauthorized"
	codeMethodNotAllowed = "method not allowed"
	codeRequestTooLarge  = "request too large"
)

const jsonContentType = "application/json; charset=utf-8"

// apiError is the contract's Error body. Both fields are always sent because
// the functions-generation schema requires message as well as code.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// grpcError is the shape the Cloud gateway answers for query strings it cannot
// parse (code 3 = InvalidArgument). It contradicts the contract's own Error
// schema, but it is what the contract's example shows.
type grpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "|>" readable in script text
	if err := enc.Encode(v); err != nil {
		// Only emulator-built values are encoded, so this is a bug.
		http.Error(w, `{"code":"internal error","message":"encoding response"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError sends an Error body. Like InfluxDB's error encoder it also sets
// X-Platform-Error-Code on every error, which covers the responses where the
// contract documents that header.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Platform-Error-Code", code)
	writeJSON(w, status, apiError{Code: code, Message: message})
}

func methodNotAllowed(w http.ResponseWriter, allow ...string) {
	list := strings.Join(allow, ", ")
	w.Header().Set("Allow", list)
	writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "allow: "+list)
}

// statusWriter remembers the status for the request log. Unwrap lets
// http.ResponseController reach the real writer to hijack it.
type statusWriter struct {
	http.ResponseWriter
	status  int
	outcome string // "dropped" or "canceled" when no status was written
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// maxDrainBytes bounds how much of a body over MaxBodyBytes is read and
// discarded before the 413 is sent.
const maxDrainBytes = 4 * MaxBodyBytes

// prereadBody reads at most MaxBodyBytes of the request body into memory and
// returns a replacement body. A body over the limit is replaced by one whose
// Read fails with an *http.MaxBytesError, which readBody turns into a 413.
//
// The rest of such a body, up to maxDrainBytes more, is read and discarded:
// a client that sends its whole body before it reads the answer (as most
// do) would otherwise be blocked writing into a connection nobody reads,
// and the server closing it under unread data resets it, which can destroy
// the 413 before the client reads it. For a body larger still, net/http
// itself sends the 413 with "Connection: close" and lingers before it closes
// the connection. (Setting that header here would skip the lingering: the
// connection would be closed at once under the unread body and reset.)
func prereadBody(w http.ResponseWriter, r *http.Request) io.ReadCloser {
	if r.Body == nil || r.Body == http.NoBody {
		return http.NoBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return io.NopCloser(failingReader{err})
	}
	if len(body) <= MaxBodyBytes {
		return io.NopCloser(bytes.NewReader(body))
	}
	_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
	return io.NopCloser(failingReader{&http.MaxBytesError{Limit: MaxBodyBytes}})
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// readBody reads the whole request body (at most MaxBodyBytes). Its
// Content-Type is not looked at: the body is decoded as JSON whatever the
// header says (see doc.go). An empty body is returned as nil with ok=true,
// so each route decides what "no body" means. On failure the error response
// has been written.
func readBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, codeRequestTooLarge,
				fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, codeInvalid, "failed to read request body")
		return nil, false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, true
	}
	return body, true
}

// decodeObject unmarshals a JSON object into v. Unknown fields are tolerated
// (the contract does not forbid them), anything else malformed is an error
// whose text is fit for a 400 message.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("failed to decode request body: expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return fmt.Errorf("failed to decode request body: field %q has the wrong type (got JSON %s)", typeErr.Field, typeErr.Value)
		}
		return errors.New("failed to decode request body: malformed JSON")
	}
	// Decode stops at the end of the first value; reject trailing data.
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("failed to decode request body: unexpected data after the JSON object")
	}
	return nil
}

// prefersCSV reports whether Accept ranks CSV (application/csv or text/csv)
// strictly above application/json. Each media type takes the q of the most
// specific range that matches it (type/subtype, then type/*, then */*), as
// RFC 9110 §12.5.1 says; a type no range matches has q 0. A tie goes to
// JSON, the only type the functions contract documents, and so does a
// request without Accept. Ranges that do not parse are skipped.
func prefersCSV(accept []string) bool {
	type mediaRange struct {
		typ, sub string
		q        float64
	}
	var ranges []mediaRange
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			typ, sub, ok := strings.Cut(mt, "/")
			if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
				continue
			}
			q := 1.0
			if v, has := params["q"]; has {
				if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			ranges = append(ranges, mediaRange{typ, sub, q})
		}
	}
	if len(ranges) == 0 {
		return false
	}
	quality := func(typ, sub string) float64 {
		best, q := -1, 0.0
		for _, r := range ranges {
			specificity := -1
			switch {
			case r.typ == typ && r.sub == sub:
				specificity = 2
			case r.typ == typ && r.sub == "*":
				specificity = 1
			case r.typ == "*" && r.sub == "*":
				specificity = 0
			}
			if specificity > best || (specificity == best && specificity >= 0 && r.q > q) {
				best, q = specificity, r.q
			}
		}
		return q
	}
	csv := max(quality("application", "csv"), quality("text", "csv"))
	return csv > quality("application", "json")
}
