package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// faultsJSON is the wire form of Faults on /_emulator/faults.
type faultsJSON struct {
	Every503          int   `json:"every503"`
	Every429          int   `json:"every429"`
	RetryAfterSeconds int64 `json:"retryAfterSeconds"`
	LatencyMs         int64 `json:"latencyMs"`
	DropAfterCreate   int   `json:"dropAfterCreate"`
}

func faultsToJSON(f Faults) faultsJSON {
	return faultsJSON{
		Every503:          f.Every503,
		Every429:          f.Every429,
		RetryAfterSeconds: int64((f.RetryAfter + time.Second - 1) / time.Second),
		LatencyMs:         f.Latency.Milliseconds(),
		DropAfterCreate:   f.DropAfterCreate,
	}
}

// serveAdmin serves /_emulator/*. These requests are not counted in Stats
// and get no injected faults, so tests can steer the emulator reliably.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.adminToken)) != 1 {
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "unauthorized access")
		return
	}
	switch r.URL.Path {
	case "/_emulator/stats":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, map[string]map[string]int{"requests": s.Stats()})
		case http.MethodDelete:
			s.ResetStats()
			w.WriteHeader(http.StatusNoContent)
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodDelete)
		}
	case "/_emulator/faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, faultsToJSON(s.currentFaults()))
		case http.MethodPut:
			s.putFaults(w, r)
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodPut)
		}
	default:
		if id, ok := taskRunPath(r.URL.Path); ok && s.serveScr {
			s.serveTaskRun(w, r, id)
			return
		}
		writeError(w, http.StatusNotFound, codeNotFound, "path not found")
	}
}

// taskRunPath reads {id} from /_emulator/tasks/{id}/run.
func taskRunPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/_emulator/tasks/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/run")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// putFaults replaces every setting; absent fields become 0. Unknown fields are
// rejected so that a misspelt setting does not silently do nothing. A
// retryAfterSeconds of 0 (or absent) sets Faults.OmitRetryAfter: injected
// 503s carry no Retry-After, injected 429s "1".
func (s *Server) putFaults(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var in faultsJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if body == nil || dec.Decode(&in) != nil {
		writeError(w, http.StatusBadRequest, codeInvalid,
			`expected {"every503":N,"every429":N,"retryAfterSeconds":N,"latencyMs":N,"dropAfterCreate":N}`)
		return
	}
	if in.Every503 < 0 || in.Every429 < 0 || in.RetryAfterSeconds < 0 || in.LatencyMs < 0 || in.DropAfterCreate < 0 {
		writeError(w, http.StatusBadRequest, codeInvalid, "fault settings must not be negative")
		return
	}
	s.SetFaults(Faults{
		Every503:        in.Every503,
		Every429:        in.Every429,
		RetryAfter:      time.Duration(in.RetryAfterSeconds) * time.Second,
		OmitRetryAfter:  in.RetryAfterSeconds == 0,
		Latency:         time.Duration(in.LatencyMs) * time.Millisecond,
		DropAfterCreate: in.DropAfterCreate,
	})
	writeJSON(w, http.StatusOK, faultsToJSON(s.currentFaults()))
}
