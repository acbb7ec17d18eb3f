package emulator

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// timeLayout is RFC 3339 in UTC with exactly six fractional digits, as in
// every contract example ("2022-07-17T23:49:45.731237Z").
const timeLayout = "2006-01-02T15:04:05.000000Z"

// record is one stored script. Both API generations read the same records.
type record struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"orgID"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Script      string    `json:"script"`
	Language    string    `json:"language"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Seq orders records created within the same microsecond (and survives
	// a clock that goes backwards): higher is newer.
	Seq uint64 `json:"seq"`
}

// update lists the fields a PATCH changes; nil leaves a field alone.
type update struct {
	Name, Description, Script *string
}

var errConflict = errors.New("uniqueness violation")

// store holds the records of all orgs behind one mutex, so that a name check
// and the insert that depends on it are a single atomic step.
type store struct {
	mu      sync.Mutex
	byID    map[string]*record
	byName  map[string]map[string]*record // orgID -> name -> record
	tasks   map[string]*taskRecord
	lastSeq uint64
	path    string // DataFile; "" keeps everything in memory
	now     func() time.Time
}

// dataFile is the on-disk format of Options.DataFile.
type dataFile struct {
	Format  string        `json:"format"`
	Scripts []*record     `json:"scripts"`
	Tasks   []*taskRecord `json:"tasks,omitempty"` // absent in files written before tasks existed
}

const dataFileFormat = "influxdb-emulator/v1"

func openStore(path string, now func() time.Time) (*store, error) {
	st := &store{byID: map[string]*record{}, byName: map[string]map[string]*record{}, tasks: map[string]*taskRecord{}, path: path, now: now}
	if path == "" {
		return st, nil
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("emulator: reading data file: %w", err)
	}
	var df dataFile
	if err := json.Unmarshal(raw, &df); err != nil {
		return nil, fmt.Errorf("emulator: data file %s is not valid JSON: %w", path, err)
	}
	if df.Format != dataFileFormat {
		return nil, fmt.Errorf("emulator: data file %s has format %q, want %q", path, df.Format, dataFileFormat)
	}
	for _, rec := range df.Scripts {
		if rec == nil || rec.ID == "" || rec.OrgID == "" || rec.Name == "" {
			return nil, fmt.Errorf("emulator: data file %s holds a script without id, orgID or name", path)
		}
		if st.byID[rec.ID] != nil || st.byName[rec.OrgID][rec.Name] != nil {
			return nil, fmt.Errorf("emulator: data file %s holds script %q twice or a duplicate name", path, rec.ID)
		}
		st.insert(rec)
		st.lastSeq = max(st.lastSeq, rec.Seq)
	}
	for _, t := range df.Tasks {
		if t == nil || t.ID == "" || t.OrgID == "" || st.idTaken(t.ID) {
			return nil, fmt.Errorf("emulator: data file %s holds a task without id or orgID, or an id twice", path)
		}
		st.tasks[t.ID] = t
	}
	return st, nil
}

func (st *store) insert(rec *record) {
	st.byID[rec.ID] = rec
	if st.byName[rec.OrgID] == nil {
		st.byName[rec.OrgID] = map[string]*record{}
	}
	st.byName[rec.OrgID][rec.Name] = rec
}

func (st *store) remove(rec *record) {
	delete(st.byID, rec.ID)
	delete(st.byName[rec.OrgID], rec.Name)
}

// stamp is the clock reading in UTC, truncated to the microseconds that the
// wire format carries.
func (st *store) stamp() time.Time {
	return st.now().UTC().Truncate(time.Microsecond)
}

func newID(taken func(id string) bool) (string, error) {
	for {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		id := hex.EncodeToString(b[:])
		if !taken(id) && id != "0000000000000000" {
			return id, nil
		}
	}
}

// create stores a new record, or fails with errConflict when the org already
// has that name. It returns a copy.
func (st *store) create(orgID, name, description, script, language string) (record, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byName[orgID][name] != nil {
		return record{}, errConflict
	}
	id, err := newID(st.idTaken)
	if err != nil {
		return record{}, err
	}
	now := st.stamp()
	st.lastSeq++
	rec := &record{ID: id, OrgID: orgID, Name: name, Description: description, Script: script,
		Language: language, CreatedAt: now, UpdatedAt: now, Seq: st.lastSeq}
	st.insert(rec)
	if err := st.saveLocked(); err != nil {
		st.remove(rec)
		st.lastSeq--
		return record{}, err
	}
	return *rec, nil
}

// get returns the org's record; other orgs' records are invisible.
func (st *store) get(orgID, id string) (record, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec := st.byID[id]
	if rec == nil || rec.OrgID != orgID {
		return record{}, false
	}
	return *rec, true
}

// list returns the org's records newest first: createdAt descending, then
// Seq descending, so the order is total and paging by offset is stable.
func (st *store) list(orgID, name string, offset, limit int) []record {
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []*record
	for _, rec := range st.byName[orgID] {
		if name == "" || rec.Name == name {
			all = append(all, rec)
		}
	}
	slices.SortFunc(all, func(a, b *record) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.Seq, a.Seq)
	})
	out := []record{}
	for i := offset; i < len(all) && len(out) < limit; i++ {
		out = append(out, *all[i])
	}
	return out
}

// apply changes a record. A PATCH that changes nothing (every field nil)
// returns the record untouched; any other moves updatedAt strictly forward,
// by one microsecond when the clock has not advanced. An empty description
// given for a record whose description is already empty counts as nil, so
// that clearing twice is a no-op like an empty PATCH (decided here, under
// the lock, against the current record).
func (st *store) apply(orgID, id string, u update) (rec record, found bool, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	cur := st.byID[id]
	if cur == nil || cur.OrgID != orgID {
		return record{}, false, nil
	}
	if u.Description != nil && *u.Description == "" && cur.Description == "" {
		u.Description = nil
	}
	if u.Name == nil && u.Description == nil && u.Script == nil {
		return *cur, true, nil
	}
	if u.Name != nil && *u.Name != cur.Name && st.byName[orgID][*u.Name] != nil {
		return record{}, true, errConflict
	}
	old := *cur
	next := *cur
	if u.Name != nil {
		next.Name = *u.Name
	}
	if u.Description != nil {
		next.Description = *u.Description
	}
	if u.Script != nil {
		next.Script = *u.Script
	}
	next.UpdatedAt = st.stamp()
	if !next.UpdatedAt.After(old.UpdatedAt) {
		next.UpdatedAt = old.UpdatedAt.Add(time.Microsecond)
	}
	st.remove(cur)
	*cur = next
	st.insert(cur)
	if err := st.saveLocked(); err != nil {
		st.remove(cur)
		*cur = old
		st.insert(cur)
		return record{}, true, err
	}
	return *cur, true, nil
}

// delete removes the org's record if it exists. Unknown ids and other orgs'
// ids are not an error (the contract answers 204 for both).
func (st *store) delete(orgID, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec := st.byID[id]
	if rec == nil || rec.OrgID != orgID {
		return nil
	}
	st.remove(rec)
	if err := st.saveLocked(); err != nil {
		st.insert(rec)
		return err
	}
	return nil
}

func (st *store) count(orgID string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byName[orgID])
}

func (st *store) names(orgID string) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := []string{}
	for _, rec := range st.byID {
		if rec.OrgID == orgID {
			out = append(out, rec.Name)
		}
	}
	slices.Sort(out)
	return out
}

func (st *store) flush() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.saveLocked()
}

// saveLocked writes the whole store to the data file atomically: a temporary
// file in the same directory is written and fsynced, renamed over the data
// file, and the directory is fsynced so the rename itself is durable.
func (st *store) saveLocked() error {
	if st.path == "" {
		return nil
	}
	recs := make([]*record, 0, len(st.byID))
	for _, rec := range st.byID {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *record) int { return cmp.Compare(a.Seq, b.Seq) })
	tasks := make([]*taskRecord, 0, len(st.tasks))
	for _, t := range st.tasks {
		tasks = append(tasks, t)
	}
	slices.SortFunc(tasks, func(a, b *taskRecord) int { return cmp.Compare(a.ID, b.ID) })
	raw, err := json.MarshalIndent(dataFile{Format: dataFileFormat, Scripts: recs, Tasks: tasks}, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')

	dir := filepath.Dir(st.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(st.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving data file: %w", err)
	}
	tmpName := tmp.Name()
	cleanup := func() { _ = os.Remove(tmpName) }
	if _, err := tmp.Write(raw); err != nil {
		_ = tmp.Close() // the write error is the one to report
		cleanup()
		return fmt.Errorf("saving data file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the sync error is the one to report
		cleanup()
		return fmt.Errorf("saving data file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return fmt.Errorf("saving data file: %w", err)
	}
	if err := os.Rename(tmpName, st.path); err != nil {
		cleanup()
		return fmt.Errorf("saving data file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every platform can sync a directory
		_ = d.Close()
	}
	return nil
}

// formatTime renders a stored time for the wire.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
