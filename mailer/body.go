package mailer

import (
	"io"
	"strings"
)

// Slots name what differs between recipients of the same content. Rendered
// content carries them as placeholders inside the links (letters and
// hyphens only, so that no template or CSS inliner escapes them), and each
// message fills them in as it is written.
type Slot int

// The slots: the tokens of the links a message carries.
const (
	SlotUnsubscribe Slot = iota
	SlotPreferences
	SlotConfirm
	slotCount
)

var placeholders = [slotCount]string{
	SlotUnsubscribe: "x-newsdesk-unsubscribe-token",
	SlotPreferences: "x-newsdesk-preferences-token",
	SlotConfirm:     "x-newsdesk-confirm-token",
}

// Placeholder returns the text that stands for a slot in rendered content.
func Placeholder(s Slot) string { return placeholders[s] }

// Values are the texts of the slots for one recipient.
type Values [slotCount]string

// Body is rendered content split at its placeholders, so that writing it
// for one recipient copies the fixed parts and the recipient's values
// without searching or building a string.
type Body struct {
	parts []string // len(slots)+1 fixed parts around the slots
	slots []Slot
	size  int
	uses  [slotCount]bool
}

// NewBody splits content at its placeholders.
func NewBody(content string) *Body {
	b := &Body{size: len(content)}
	for {
		at, slot := -1, Slot(0)
		for s, p := range placeholders {
			if i := strings.Index(content, p); i >= 0 && (at < 0 || i < at) {
				at, slot = i, Slot(s)
			}
		}
		if at < 0 {
			b.parts = append(b.parts, content)
			return b
		}
		b.parts = append(b.parts, content[:at])
		b.slots = append(b.slots, slot)
		b.uses[slot] = true
		content = content[at+len(placeholders[slot]):]
	}
}

// Uses reports whether the body has a placeholder for s.
func (b *Body) Uses(s Slot) bool { return b.uses[s] }

// Empty reports whether there is no content.
func (b *Body) Empty() bool { return b.size == 0 }

// WriteTo writes the body with the slots filled from v.
func (b *Body) WriteTo(w io.Writer, v *Values) (int64, error) {
	var total int64
	for i, part := range b.parts {
		n, err := io.WriteString(w, part)
		total += int64(n)
		if err != nil || i == len(b.slots) {
			return total, err
		}
		n, err = io.WriteString(w, v[b.slots[i]])
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// String returns the body with the placeholders in place.
func (b *Body) String() string {
	var sb strings.Builder
	var v Values
	for s := range v {
		v[s] = placeholders[s]
	}
	b.WriteTo(&sb, &v)
	return sb.String()
}
