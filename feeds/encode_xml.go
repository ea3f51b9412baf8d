package feeds

import (
	"bytes"
	"encoding/xml"
)

// encodeXML writes v as an indented UTF-8 XML document ending in a newline.
//
// encoding/xml escapes "&" and "<" in text as &amp; and &lt;. The RSS
// Advisory Board's profile asks for hexadecimal character references
// (&#x26; and &#x3C;) in plain-text elements, so that readers that guess
// whether a title is HTML guess right, and the W3C validator warns about
// anything else; the same references mean the same characters in Atom too,
// so both formats get them.
func encodeXML(v any) ([]byte, error) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(xml.Header) + len(body) + len(body)/8)
	out.WriteString(xml.Header)
	writeHexEscaped(&out, body)
	out.WriteByte('\n')
	return out.Bytes(), nil
}

var (
	cdataStart = []byte("<![CDATA[")
	cdataEnd   = []byte("]]>")
	escapes    = [][2][]byte{
		{[]byte("&amp;"), []byte("&#x26;")},
		{[]byte("&lt;"), []byte("&#x3C;")},
	}
)

// writeHexEscaped copies XML from encoding/xml to out with &amp; and &lt;
// as hexadecimal references, except inside CDATA sections, where they are
// not references at all. Outside CDATA, encoding/xml writes "&" and "<" only
// as markup or as those two escapes, so the replacement is exact.
func writeHexEscaped(out *bytes.Buffer, doc []byte) {
	for len(doc) > 0 {
		text, rest, found := bytes.Cut(doc, cdataStart)
		for _, e := range escapes {
			text = bytes.ReplaceAll(text, e[0], e[1])
		}
		out.Write(text)
		if !found {
			return
		}
		cdata, after, closed := bytes.Cut(rest, cdataEnd)
		out.Write(cdataStart)
		out.Write(cdata)
		if closed {
			out.Write(cdataEnd)
		}
		doc = after
	}
}

// historyLink is a link of RFC 5005's feed history.
type historyLink struct{ Rel, Href string }

// historyLinks lists the document's links to its place in the feed's
// history: prev-archive, next-archive and, from an archive, current.
func historyLinks(m Meta) []historyLink {
	var links []historyLink
	if m.Current != "" {
		links = append(links, historyLink{"current", m.Current})
	}
	if m.PrevArchive != "" {
		links = append(links, historyLink{"prev-archive", m.PrevArchive})
	}
	if m.NextArchive != "" {
		links = append(links, historyLink{"next-archive", m.NextArchive})
	}
	return links
}
