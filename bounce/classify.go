package bounce

import (
	"regexp"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// classify tells a failed recipient's bounce type from its status code and
// the server's words. A failure is hard only when it says the address
// itself is gone: the mailbox or the domain does not exist, has moved, or
// accepts no mail (RFC 3463's 5.1.x address statuses, or words that say
// so). Everything else (a full mailbox, a message too large, a policy or
// spam refusal, a blocked sender, a suspended account, an expired queue)
// is about this message, this sender or this moment, and is soft: it
// marks a subscriber bounced only when it repeats. With no usable code,
// the words decide.
func classify(status, diag string) newsdesk.BounceType {
	if status == "" || status == "5.0.0" || status == "4.0.0" {
		if s := findStatus(diag); s != "" && s != "5.0.0" && s != "4.0.0" {
			status = s
		}
	}
	phrase := phraseType(diag)
	switch {
	case phrase == newsdesk.BounceSoft:
		return newsdesk.BounceSoft
	case addressStatus(status) || phrase == newsdesk.BounceHard:
		return newsdesk.BounceHard
	case strings.HasPrefix(status, "4."), strings.HasPrefix(status, "5."):
		return newsdesk.BounceSoft
	}
	switch basicCode(diag) / 100 {
	case 4, 5:
		return newsdesk.BounceSoft
	}
	return newsdesk.BounceUnknown
}

// addressStatus reports whether an RFC 3463 status says the address is
// bad: 5.1.1 (no such mailbox), 5.1.2 (no such domain), 5.1.3 (bad
// syntax), 5.1.6 (moved), 5.1.10 (null MX), any other 5.1.0 address
// status, and 5.4.4 (no route: the domain has no mail servers).
func addressStatus(status string) bool {
	switch status {
	case "5.1.0", "5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.4.4":
		return true
	}
	return false
}

var (
	statusRE = regexp.MustCompile(`(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?:[^\d.]|\.(?:\s|$)|$)`)
	basicRE  = regexp.MustCompile(`(?:^|[^\d.#])([45][0-5]\d)(?:[ -]|$)`)
)

// findStatus returns the first RFC 3463 status code of class 4 or 5 in s.
func findStatus(s string) string {
	for _, m := range statusRE.FindAllStringSubmatch(s, 8) {
		if m[1][0] != '2' {
			return m[1]
		}
	}
	return ""
}

// basicCode returns the first SMTP reply code of class 4 or 5 in s, or 0.
func basicCode(s string) int {
	m := basicRE.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	return int(m[1][0]-'0')*100 + int(m[1][1]-'0')*10 + int(m[1][2]-'0')
}

// Phrases that receivers put in bounces, lowercase. Soft ones are looked
// for first: "mailbox full" must not read as the "mailbox" of a hard one.
var (
	softPhrases = []string{"mailbox full", "mailbox is full", "over quota", "overquota", "quota exceeded",
		"exceeded storage", "exceeds quota", "exceeded their quota", "insufficient storage", "out of storage",
		"mailbox size limit", "full mailbox", "inbox is full", "user is over", "too many messages",
		"storage allocation", "mailbox has exceeded"}
	hardPhrases = []string{"user unknown", "unknown user", "no such user", "no such recipient", "no such mailbox",
		"does not exist", "doesn't exist", "does not have an account", "doesn't have a", "user not found",
		"mailbox not found", "recipient not found", "recipientnotfound", "recipnotfound", "invalid recipient",
		"invalid mailbox", "unknown recipient", "unknown address", "address not found", "address couldn't be found",
		"address could not be found", "mailbox unavailable", "mailbox is unavailable", "no mailbox",
		"account disabled", "account has been disabled", "account is disabled", "not a valid", "no longer active",
		"domain not found", "host not found", "host or domain name not found", "name or service not known",
		"unrouteable", "unroutable", "no mx", "invalid domain", "no such domain", "unknown domain",
		"domain is not reachable", "recipient name is not recognized", "unknown or illegal alias", "bad destination mailbox", "non-existent", "nonexistent"}
	delayPhrases = []string{"delayed", "has not yet been delivered", "will retry", "will continue trying",
		"still trying", "not been delivered yet", "delivery delayed", "warning: message"}
	finalPhrases = []string{"permanent", "failed", "could not be delivered", "couldn't be delivered",
		"wasn't delivered", "was not delivered", "unable to deliver", "undeliverable", "rejected", "giving up"}
)

// phraseType returns the bounce type that words in s speak of, or "".
func phraseType(s string) newsdesk.BounceType {
	s = strings.ToLower(s)
	switch {
	case containsAny(s, softPhrases):
		return newsdesk.BounceSoft
	case containsAny(s, hardPhrases):
		return newsdesk.BounceHard
	}
	return ""
}

func containsAny(s string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
