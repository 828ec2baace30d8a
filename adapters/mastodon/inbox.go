package mastodon

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// maxPages bounds one Comments call (40 notifications a page). Pages are
// read oldest first, so stopping early leaves no gap: the next call goes on
// from the cursor.
const maxPages = 25

type accountJSON struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
}

type statusJSON struct {
	ID              string      `json:"id"`
	URI             string      `json:"uri"`
	URL             *string     `json:"url"`
	CreatedAt       time.Time   `json:"created_at"`
	InReplyToID     *string     `json:"in_reply_to_id"`
	Content         string      `json:"content"`
	Visibility      string      `json:"visibility"`
	Account         accountJSON `json:"account"`
	RepliesCount    int         `json:"replies_count"`
	ReblogsCount    int         `json:"reblogs_count"`
	FavouritesCount int         `json:"favourites_count"`
	QuotesCount     *int        `json:"quotes_count"`
}

type notificationJSON struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	CreatedAt time.Time   `json:"created_at"`
	Account   accountJSON `json:"account"`
	Status    *statusJSON `json:"status"`
}

// Comments reads mentions of the account, which on Mastodon include the
// replies to its posts, from GET /api/v1/notifications?types[]=mention. With
// a cursor (the newest notification id seen) it pages forward from it with
// min_id, following each page's rel="prev" link until a page comes back
// empty; without one it reads the newest page only. Comments come oldest
// first, and the cursor returned is the newest notification id read.
func (n *Network) Comments(ctx context.Context, cursor string) ([]crier.Comment, string, error) {
	q := url.Values{}
	q.Add("types[]", "mention")
	q.Set("limit", "40")
	if cursor != "" {
		q.Set("min_id", cursor)
	}
	next := n.url("/api/v1/notifications?" + q.Encode())
	newest := cursor
	seen := map[string]bool{}
	var notes []notificationJSON
	for page := 0; page < maxPages && next != ""; page++ {
		var batch []notificationJSON
		_, hdr, err := n.do(ctx, http.MethodGet, next, nil, "", &batch)
		if err != nil {
			return nil, cursor, n.readFailed("read notifications", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, nt := range batch {
			if nt.ID == "" || seen[nt.ID] || (cursor != "" && !idAfter(nt.ID, cursor)) {
				continue
			}
			seen[nt.ID] = true
			notes = append(notes, nt)
			if idAfter(nt.ID, newest) {
				newest = nt.ID
			}
		}
		if cursor == "" {
			break
		}
		next = ""
		if prev := linkRel(hdr.Get("Link"), "prev"); prev != "" {
			u, err := url.Parse(prev)
			if err != nil || !n.sameOrigin(u) {
				return nil, cursor, n.readFailed("read notifications", errors.New("Link header points away from the instance: "+prev))
			}
			next = u.String()
		}
	}
	slices.SortFunc(notes, func(a, b notificationJSON) int { return compareIDs(a.ID, b.ID) })
	comments := make([]crier.Comment, 0, len(notes))
	for _, nt := range notes {
		if c, ok := n.comment(nt); ok {
			comments = append(comments, c)
		}
	}
	return comments, newest, nil
}

// comment turns a notification into a comment; other kinds (and mentions
// whose status is gone) are skipped.
func (n *Network) comment(nt notificationJSON) (crier.Comment, bool) {
	if (nt.Type != "mention" && nt.Type != "status") || nt.Status == nil || nt.Status.ID == "" {
		return crier.Comment{}, false
	}
	st := nt.Status
	author := st.Account
	if author.ID == "" {
		author = nt.Account
	}
	c := crier.Comment{
		Network:      n.name,
		RemoteID:     st.ID,
		URL:          st.URI,
		Kind:         "mention",
		AuthorID:     author.ID,
		AuthorHandle: "@" + author.Acct,
		AuthorName:   author.DisplayName,
		Text:         htmlToText(st.Content),
		CreatedAt:    st.CreatedAt,
	}
	if st.URL != nil && *st.URL != "" {
		c.URL = *st.URL
	}
	if c.AuthorName == "" {
		c.AuthorName = author.Username
	}
	if st.InReplyToID != nil && *st.InReplyToID != "" {
		c.Kind = "reply"
		c.ParentID = *st.InReplyToID
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = nt.CreatedAt
	}
	return c, true
}

// compareIDs orders Mastodon ids, which are decimal numbers in strings
// (longer is larger); other ids compare as strings.
func compareIDs(a, b string) int {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// idAfter reports whether id is newer than cursor ("" is before all).
func idAfter(id, cursor string) bool { return cursor == "" || compareIDs(id, cursor) > 0 }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var (
	tagPattern = regexp.MustCompile(`(?s)<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	blankLines = regexp.MustCompile(`\n{3,}`)
	quoteLine  = regexp.MustCompile(`(?is)<p[^>]*class="[^"]*quote-inline[^"]*"[^>]*>.*?</p>`)
)

// htmlToText turns a status's HTML content into plain text: paragraphs
// become blank lines, <br> a line break, every other tag disappears (a
// mention's h-card reads "@user", a link's hidden spans put its address back
// together) and entities are decoded.
func htmlToText(s string) string {
	s = quoteLine.ReplaceAllString(s, "")
	s = tagPattern.ReplaceAllStringFunc(s, func(tag string) string {
		m := tagPattern.FindStringSubmatch(tag)
		closing, name := m[1] == "/", strings.ToLower(m[2])
		switch name {
		case "br":
			return "\n"
		case "p", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6":
			if closing {
				return "\n\n"
			}
		case "li":
			if !closing {
				return "\n• "
			}
		}
		return ""
	})
	s = html.UnescapeString(s)
	s = blankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}
