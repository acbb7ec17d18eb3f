package influxdb

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Batched reads. A refresh reads every script of a configuration, as a
// burst of concurrent reads (ten at a time by default). One list page
// answers up to MaxPageSize of them, so within one client the reads of an
// organization are served from list pages when that is cheaper than one GET
// each. The rules, and why, are in DESIGN.md ("A refresh pays for a page");
// in short:
//
//   - A read with no other read of its organization in flight or started
//     within burstWindow is alone: it sends its own GET. Only the second read
//     of a burst starts a listing.
//   - A listing is used only by reads that start within snapshotMaxAge of its
//     first page request, and is dropped by this client's own create, update
//     and delete.
//   - A script found in the pages is answered from them. A script absent
//     from a complete listing is confirmed with its own GET: offset paging can
//     skip an entry when another client deletes one meanwhile.
//   - Pages are fetched one at a time, only for reads waiting on them, and
//     only while the pages fetched do not outnumber the reads the listing has
//     answered or is waiting to answer. A read waits for at most
//     maxWaitPages page answers, then sends its own GET; so an organization
//     much larger than the configuration costs each read at most that many
//     extra round trips, never a walk through the whole organization.
const (
	snapshotMaxAge = 10 * time.Second
	burstWindow    = 2 * time.Second
	maxWaitPages   = 2
)

// batch is the client's state for batched reads and deletions: per
// organization listed (see generation.listedOrg) the reads and deletions
// under way and the current listing.
type batch struct {
	mu     sync.Mutex
	orgs   map[string]*orgBatch
	now    func() time.Time // nil means time.Now; tests move it
	gather time.Duration    // 0 means confirmGather; tests change it
}

func (b *batch) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

type orgBatch struct {
	lastRead      time.Time // start of the latest read
	readsInFlight int       // GETs of lone reads not answered yet
	cur           *listing  // nil, or the listing new reads may use while fresh

	deletesInFlight int           // DELETEs sent and not answered
	gathering       *confirmation // deletions answered, waiting for their listing
}

// listing is what list pages of one organization have shown so far, in the
// server's order. Its fields are guarded by batch.mu.
type listing struct {
	orgID    string
	started  time.Time // when its first page was asked for
	scripts  []Script
	index    map[string]int // id → position in scripts
	offset   int            // offset of the next page
	pages    int            // pages answered (or failed)
	served   int            // reads answered from it
	waiting  int            // reads waiting for its next page
	complete bool           // a short page ended the list
	fetching bool
	err      error         // the page request that failed; no more pages
	changed  chan struct{} // closed when a page request ends
}

func newListing(orgID string, now time.Time) *listing {
	return &listing{orgID: orgID, started: now, index: map[string]int{}, changed: make(chan struct{})}
}

// listedOrg is the organization a list of orgID shows: orgID where the list
// takes an organization, else "" for the token's, whatever orgID says (a
// GET, too, sees only the token's organization there).
func (g generation) listedOrg(orgID string) string {
	if g.orgInQuery {
		return orgID
	}
	return ""
}

// org returns the state of orgID. Call with b.mu held.
func (b *batch) org(orgID string) *orgBatch {
	if b.orgs == nil {
		b.orgs = map[string]*orgBatch{}
	}
	ob := b.orgs[orgID]
	if ob == nil {
		ob = &orgBatch{}
		b.orgs[orgID] = ob
	}
	return ob
}

// fresh returns the org's listing if a read starting at now may use it.
// Call with b.mu held.
func (ob *orgBatch) fresh(now time.Time) *listing {
	if ob.cur != nil && now.Sub(ob.cur.started) > snapshotMaxAge {
		ob.cur = nil
	}
	return ob.cur
}

// dropListings forgets every listing: this client has just changed a script,
// so none of them is what the server holds any more. Reads already waiting
// on one keep it (they started before the change).
func (c *Client) dropListings() {
	c.batch.mu.Lock()
	defer c.batch.mu.Unlock()
	for _, ob := range c.batch.orgs {
		ob.cur = nil
	}
}

// Read returns one script, as Get does, but may answer it from a list page
// of orgID when it is one of a burst of reads (see the top of this file).
// orgID is the organization the caller believes the script is in; "" is the
// token's organization. With batched reads off (WithBatchReads) it is Get.
func (c *Client) Read(ctx context.Context, id, orgID string) (*Script, error) {
	if err := checkID("get script", id); err != nil {
		return nil, err
	}
	g, err := c.generation(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if !c.batchReads || (g.orgInQuery && orgID == "") {
		// The functions generation cannot list without an organization.
		return c.get(ctx, g, id)
	}
	orgID = g.listedOrg(orgID)
	b := &c.batch
	b.mu.Lock()
	ob := b.org(orgID)
	now := b.clock()
	l := ob.fresh(now)
	burst := ob.readsInFlight > 0 || (!ob.lastRead.IsZero() && now.Sub(ob.lastRead) < burstWindow)
	ob.lastRead = now
	if l == nil {
		if !burst {
			ob.readsInFlight++
			b.mu.Unlock()
			s, err := c.get(ctx, g, id)
			b.mu.Lock()
			ob.readsInFlight--
			b.mu.Unlock()
			return s, err
		}
		l = newListing(orgID, now)
		ob.cur = l
		c.debug(ctx, "several reads at once: reading scripts from list pages", map[string]any{"org_id": orgID})
	}
	for waited := 0; ; waited++ {
		if i, ok := l.index[id]; ok {
			l.served++
			s := l.scripts[i]
			b.mu.Unlock()
			return &s, nil
		}
		// Not (yet) in the pages. Wait for the next page only while that
		// is worth it; otherwise this read pays for its own GET, which
		// also confirms a script that a complete listing lacks.
		if l.complete || l.err != nil || waited >= maxWaitPages || (!l.fetching && l.pages >= l.served+l.waiting+1) {
			b.mu.Unlock()
			return c.get(ctx, g, id)
		}
		if !l.fetching {
			l.fetching = true
			// The page serves other reads too: it must not end with
			// this read's context.
			go c.fetchPage(context.WithoutCancel(ctx), g, l)
		}
		ch := l.changed
		l.waiting++
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			b.mu.Lock()
			l.waiting--
			b.mu.Unlock()
			return nil, &TransportError{Op: "read script " + id, Err: ctx.Err()}
		}
		b.mu.Lock()
		l.waiting--
	}
}

// fetchPage asks for the listing's next page and wakes the reads waiting on it.
func (c *Client) fetchPage(ctx context.Context, g generation, l *listing) {
	b := &c.batch
	b.mu.Lock()
	offset := l.offset
	b.mu.Unlock()
	page, err := c.listPage(ctx, g, ListOptions{OrgID: l.orgID, Limit: MaxPageSize, Offset: offset})

	b.mu.Lock()
	defer b.mu.Unlock()
	l.pages++
	switch {
	case err != nil:
		l.err = err
	default:
		added := 0
		for _, s := range page {
			// A script created meanwhile shifts the list by one, so a
			// page can repeat the last script of the one before.
			if _, seen := l.index[s.ID]; seen {
				continue
			}
			l.index[s.ID] = len(l.scripts)
			l.scripts = append(l.scripts, s)
			added++
		}
		l.offset += len(page)
		switch {
		case len(page) < MaxPageSize:
			l.complete = true
		case added == 0:
			l.err = errors.New("the server returned the same page twice; it may not support paging")
		}
	}
	fields := map[string]any{
		"org_id": l.orgID, "page": l.pages, "scripts": len(l.scripts), "complete": l.complete, "reads_served": l.served, "reads_waiting": l.waiting,
	}
	if l.err != nil {
		fields["error"] = l.err.Error() // client errors never hold the token
	}
	c.debug(ctx, "read a list page for batched reads", fields)
	l.fetching = false
	close(l.changed)
	l.changed = make(chan struct{})
}

// snapshot returns the scripts of a fresh, complete listing of orgID, in the
// server's order, or false when there is none.
func (c *Client) snapshot(g generation, orgID string) ([]Script, bool) {
	if !c.batchReads {
		return nil, false
	}
	c.batch.mu.Lock()
	defer c.batch.mu.Unlock()
	ob := c.batch.org(g.listedOrg(orgID))
	l := ob.fresh(c.batch.clock())
	if l == nil || !l.complete || l.err != nil {
		return nil, false
	}
	return slices.Clone(l.scripts), true
}

// Deletions confirmed together. The API answers a DELETE with 204 even for
// an unknown id and may only queue the deletion, so each deletion is
// confirmed by the script's absence. Deletions of one organization that
// finish while others are in flight gather, and when none is left in flight
// (or confirmGather after the first finished, so that a slow one does not
// hold the others) one listing is sent for all of them: a script absent
// from that complete listing, which started after its DELETE was answered,
// is gone. A script still listed, a listing of more than maxConfirmPages
// pages, or a failed one leave the deletion to its own reads, as a lone
// deletion is. See DESIGN.md ("A destroy pays for a DELETE").
const (
	confirmGather   = 250 * time.Millisecond
	maxConfirmPages = 2
)

// confirmation is one listing shared by deletions. Its fields are guarded
// by batch.mu; l is set when it is sent and read once done is closed.
type confirmation struct {
	deletions int
	sent      bool
	l         *listing
	done      chan struct{}
}

// beginDelete counts a DELETE about to be sent, when deletions may be
// confirmed together, and returns the key of its organization.
func (c *Client) beginDelete(g generation, orgID string) (string, bool) {
	if !c.batchReads || (g.orgInQuery && orgID == "") {
		return "", false
	}
	key := g.listedOrg(orgID)
	c.batch.mu.Lock()
	defer c.batch.mu.Unlock()
	c.batch.org(key).deletesInFlight++
	return key, true
}

// confirmTogether ends a DELETE counted by beginDelete (answered is false
// when it failed) and, when other deletions of the organization are in
// flight or gathered, waits for the listing shared with them. It reports
// whether that complete listing lacks the script; false leaves the
// confirmation to the script's own reads.
func (c *Client) confirmTogether(ctx context.Context, g generation, key, id string, answered bool) (bool, error) {
	b := &c.batch
	b.mu.Lock()
	ob := b.org(key)
	ob.deletesInFlight--
	cf := ob.gathering
	if !answered || (ob.deletesInFlight == 0 && cf == nil) {
		// Failed, or alone: with nobody to share a listing with, one
		// read costs no more than it. The last DELETE of a gathering
		// still sends its listing.
		if cf != nil && ob.deletesInFlight == 0 {
			c.sendConfirmation(context.WithoutCancel(ctx), g, key, ob, cf)
		}
		b.mu.Unlock()
		return false, nil
	}
	if cf == nil {
		cf = &confirmation{done: make(chan struct{})}
		ob.gathering = cf
		gather := b.gather
		if gather <= 0 {
			gather = confirmGather
		}
		listCtx := context.WithoutCancel(ctx) // the listing serves every deletion gathered
		time.AfterFunc(gather, func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			c.sendConfirmation(listCtx, g, key, ob, cf)
		})
	}
	cf.deletions++
	if ob.deletesInFlight == 0 {
		c.sendConfirmation(context.WithoutCancel(ctx), g, key, ob, cf)
	}
	b.mu.Unlock()
	select {
	case <-cf.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !cf.l.complete || cf.l.err != nil {
		return false, nil
	}
	_, listed := cf.l.index[id]
	return !listed, nil
}

// sendConfirmation sends cf's listing unless that was done already. Call
// with batch.mu held.
func (c *Client) sendConfirmation(ctx context.Context, g generation, key string, ob *orgBatch, cf *confirmation) {
	if cf.sent {
		return
	}
	cf.sent = true
	if ob.gathering == cf {
		ob.gathering = nil
	}
	cf.l = newListing(key, c.batch.clock())
	// Pages are sequential round trips while every deletion waits; more
	// than a few, or more than one per deletion, cost more than the reads.
	budget := min(cf.deletions, maxConfirmPages)
	c.debug(ctx, "confirming deletions with one listing", map[string]any{"org_id": key, "deletions": cf.deletions})
	go func() {
		defer close(cf.done)
		for {
			c.fetchPage(ctx, g, cf.l)
			c.batch.mu.Lock()
			stop := cf.l.complete || cf.l.err != nil || cf.l.pages >= budget
			c.batch.mu.Unlock()
			if stop {
				return
			}
		}
	}()
}
