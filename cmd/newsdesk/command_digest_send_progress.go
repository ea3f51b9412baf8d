package main

import (
	"os"

	"github.com/mattn/go-isatty"
	"github.com/newsdesk/newsdesk"
	"github.com/schollz/progressbar/v3"
)

// progress shows an edition's delivery: a bar on a terminal (messages
// sent, rate, time left), otherwise a log line at most once a second.
type progress struct {
	env  *Env
	bar  *progressbar.ProgressBar
	last string
}

func newProgress(env *Env) *progress {
	p := &progress{env: env}
	if f, ok := env.Stdout.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("sending"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("msg"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100_000_000))
	}
	return p
}

// show reports e's counts; printLine says a plain line is due.
func (p *progress) show(e *newsdesk.Edition, printLine bool) bool {
	c := e.Counts
	if p.bar != nil {
		if p.bar.GetMax() != c.Recipients {
			p.bar.ChangeMax(c.Recipients)
		}
		p.bar.Set(c.Sent + c.Failed + c.Skipped)
		return false
	}
	line := progressLine(e)
	if line == p.last || !printLine {
		return false
	}
	printf(p.env, "%s\n", line)
	p.last = line
	return true
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		printf(p.env, "\n")
		p.bar = nil
	}
}
