package mailer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/newsdesk/newsdesk"
)

// journal records each sent delivery in an append-only file the moment the
// server has accepted it, and the outbox applies the records to the store
// in batches. One write to a file is durable against a crash of the
// process the moment it returns, where a transaction per message would
// cost more than building and sending the message; so the workers never
// wait for the store, and a crash loses at most the message each
// connection had just handed over.
//
// Each line is "delivery edition subscriber". A run writes to a file of its
// own, started afresh each time a batch is applied; the files left by a
// crash are applied when the outbox starts again, which is harmless twice
// over since the store only marks sent what is still being sent. A write
// that fails (a full disk) ends its file, whose last line, cut short, is
// ignored; the next record starts a new file.
type journal struct {
	dir string

	mu      sync.Mutex
	f       *os.File // nil after a failure, until the next record
	paths   []string // the files holding the pending records
	pending []newsdesk.DeliveryResult
	line    []byte
}

// journalBatch is a batch of the journal and the files that hold it.
type journalBatch struct {
	results []newsdesk.DeliveryResult
	paths   []string
}

const journalExt = ".sent"

// openJournal starts a journal file in dir.
func openJournal(dir string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	j := &journal{dir: dir}
	return j, j.next()
}

// next starts a new file; the caller holds mu or has sole use.
func (j *journal) next() error {
	path := filepath.Join(j.dir, strconv.FormatInt(time.Now().UnixNano(), 10)+journalExt)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.f = f
	j.paths = append(j.paths, path)
	return nil
}

// end closes the current file, if any; the caller holds mu.
func (j *journal) end() error {
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// append records a sent delivery durably, with one write.
func (j *journal) append(r newsdesk.DeliveryResult) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.line = strconv.AppendInt(j.line[:0], r.ID, 10)
	j.line = append(j.line, ' ')
	j.line = strconv.AppendInt(j.line, r.EditionID, 10)
	j.line = append(j.line, ' ')
	j.line = strconv.AppendInt(j.line, r.SubscriberID, 10)
	j.line = append(j.line, '\n')
	if j.f == nil {
		if err := j.next(); err != nil {
			return err
		}
	}
	if _, err := j.f.Write(j.line); err != nil {
		j.end()
		return fmt.Errorf("journal: %w", err)
	}
	j.pending = append(j.pending, r)
	return nil
}

// size returns how many records wait to be applied.
func (j *journal) size() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}

// rotate hands over the records written so far and the files that hold
// them; those that follow go to a new file.
func (j *journal) rotate() journalBatch {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.end()
	b := journalBatch{results: j.pending, paths: j.paths}
	j.pending, j.paths = nil, nil
	return b
}

// close closes the current file and returns what it holds.
func (j *journal) close() journalBatch {
	return j.rotate()
}

// readJournals reads the records in every journal file of dir, oldest
// first, and returns them with the files' paths. A last line cut short by
// a crash is ignored: its message was not recorded, and is sent again.
func readJournals(dir string) ([]newsdesk.DeliveryResult, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+journalExt))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(paths)
	var all []newsdesk.DeliveryResult
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("journal: %w", err)
		}
		all = append(all, parseJournal(b)...)
	}
	return all, paths, nil
}

func parseJournal(b []byte) []newsdesk.DeliveryResult {
	lines := bytes.Split(b, []byte("\n"))
	lines = lines[:len(lines)-1] // "" after the last line break, or a line cut short
	out := make([]newsdesk.DeliveryResult, 0, len(lines))
	for _, line := range lines {
		f := bytes.Fields(line)
		if len(f) != 3 {
			continue
		}
		var v [3]int64
		ok := true
		for i := range v {
			var err error
			v[i], err = strconv.ParseInt(string(f[i]), 10, 64)
			ok = ok && err == nil
		}
		if ok {
			out = append(out, newsdesk.DeliveryResult{ID: v[0], EditionID: v[1], SubscriberID: v[2], Status: newsdesk.DeliverySent})
		}
	}
	return out
}
