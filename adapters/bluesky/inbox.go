package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

const (
	notificationsPage = 50
	// maxNotificationPages bounds one poll (2500 notifications); older
	// ones past it are skipped, with a warning in the log.
	maxNotificationPages = 50
)

// notificationView is the part of an AppView notification crier reads.
type notificationView struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Reason        string `json:"reason"`
	ReasonSubject string `json:"reasonSubject"`
	Record        struct {
		Text      string    `json:"text"`
		CreatedAt string    `json:"createdAt"`
		Reply     *replyRef `json:"reply"`
	} `json:"record"`
	IndexedAt string `json:"indexedAt"`
}

// lookBack is how far before the newest notification seen each poll reads
// again. The AppView sorts a notification at the earlier of the post's
// createdAt and the time it indexed it (notification.sortAt, shown as
// indexedAt), so a reply written by a slow clock, or relayed late, sorts
// before notifications crier has already read; crier finds it when it
// sorts within lookBack of the newest one seen, and returns each comment
// once by remembering the URIs it read in that window.
const lookBack = time.Hour

// maxSeen bounds the URIs the cursor remembers; past it the window shrinks.
const maxSeen = 200

// inboxCursor is the cursor Comments returns, as JSON: every notification
// sorted before Floor is read, and so are the URIs in Seen (those sorted at
// or after Floor). An older cursor, a bare time, means everything sorted at
// or before it was read.
type inboxCursor struct {
	Floor time.Time  `json:"floor"`
	Seen  []seenNote `json:"seen,omitempty"`
}

type seenNote struct {
	URI string    `json:"u"`
	At  time.Time `json:"t"`
}

func parseCursor(cursor string) (inboxCursor, bool) {
	if cursor == "" {
		return inboxCursor{}, false
	}
	var c inboxCursor
	if strings.HasPrefix(cursor, "{") {
		if json.Unmarshal([]byte(cursor), &c) == nil && !c.Floor.IsZero() {
			return c, true
		}
		return inboxCursor{}, false
	}
	if at, ok := parseTime(cursor); ok {
		return inboxCursor{Floor: at.Add(time.Millisecond)}, true
	}
	return inboxCursor{}, false
}

// Comments returns the replies, mentions and quotes that arrived after
// cursor ("" for the latest page), oldest first, and the cursor to pass
// next time. Each comment is returned once, including one the AppView sorts
// up to lookBack before the newest comment of an earlier poll.
func (n *Network) Comments(ctx context.Context, cursor string) ([]crier.Comment, string, error) {
	cur, hasCursor := parseCursor(cursor)
	seen := make(map[string]bool, len(cur.Seen))
	for _, s := range cur.Seen {
		seen[s.URI] = true
	}
	var (
		found  []notificationView
		kept   = cur.Seen
		newest = cur.Floor
		oldest time.Time // the oldest sort time read
		cutOff bool      // stopped before reaching the floor
	)
	for _, s := range cur.Seen {
		if s.At.After(newest) {
			newest = s.At
		}
	}
	page := ""
	for i := 0; ; i++ {
		q := url.Values{"limit": {strconv.Itoa(notificationsPage)}, "reasons": {"reply", "mention", "quote"}}
		if page != "" {
			q.Set("cursor", page)
		}
		var out struct {
			Notifications []json.RawMessage `json:"notifications"`
			Cursor        string            `json:"cursor"`
		}
		err := n.xrpc(ctx, call{nsid: "app.bsky.notification.listNotifications", query: q, appView: true}, &out)
		if err != nil {
			return nil, cursor, n.explain("read notifications", err)
		}
		reached := false
		for _, raw := range out.Notifications {
			var nv notificationView
			if err := json.Unmarshal(raw, &nv); err != nil {
				continue // a notification of a shape crier does not know
			}
			at, ok := parseTime(nv.IndexedAt)
			if ok && hasCursor && at.Before(cur.Floor) {
				reached = true
				break
			}
			if !ok {
				at = newest // unknown: remembered with the newest
			}
			if at.After(newest) {
				newest = at
			}
			if oldest.IsZero() || at.Before(oldest) {
				oldest = at
			}
			if seen[nv.URI] {
				continue
			}
			switch nv.Reason {
			case "reply", "mention", "quote":
				seen[nv.URI] = true
				found = append(found, nv)
				kept = append(kept, seenNote{URI: nv.URI, At: at})
			}
		}
		if reached || out.Cursor == "" || len(out.Notifications) == 0 {
			break
		}
		if !hasCursor {
			cutOff = true // the first poll reads the latest page only
			break
		}
		if i+1 == maxNotificationPages {
			n.log.Warn("bluesky notifications: too many since the last poll; older ones skipped", "network", n.name)
			cutOff = true
			break
		}
		page = out.Cursor
	}
	if newest.IsZero() {
		return nil, cursor, nil // nothing read yet
	}
	next := inboxCursor{Floor: newest.Add(-lookBack)}
	if cur.Floor.After(next.Floor) {
		next.Floor = cur.Floor
	}
	if cutOff && oldest.After(next.Floor) {
		next.Floor = oldest // what lies below was skipped, not read
	}
	slices.SortStableFunc(kept, func(a, b seenNote) int { return b.At.Compare(a.At) })
	for i, s := range kept {
		if s.At.Before(next.Floor) {
			break
		}
		if i == maxSeen {
			// Forget the older ones, and count everything at or before
			// them as read.
			next.Floor = s.At.Add(time.Millisecond)
			break
		}
		next.Seen = append(next.Seen, s)
	}
	for len(next.Seen) > 0 && next.Seen[len(next.Seen)-1].At.Before(next.Floor) {
		next.Seen = next.Seen[:len(next.Seen)-1]
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return nil, cursor, fmt.Errorf("bluesky notifications cursor: %w", err)
	}
	slices.Reverse(found) // the AppView gives newest first
	comments := make([]crier.Comment, 0, len(found))
	for _, nv := range found {
		comments = append(comments, n.comment(nv))
	}
	return comments, string(raw), nil
}

func (n *Network) comment(nv notificationView) crier.Comment {
	c := crier.Comment{
		Network:      n.name,
		RemoteID:     nv.URI,
		Kind:         nv.Reason,
		AuthorID:     nv.Author.DID,
		AuthorHandle: nv.Author.Handle,
		AuthorName:   nv.Author.DisplayName,
		Text:         nv.Record.Text,
	}
	if _, _, rkey, ok := splitATURI(nv.URI); ok {
		c.URL = "https://bsky.app/profile/" + nv.Author.Handle + "/post/" + rkey
	}
	if r := nv.Record.Reply; r != nil {
		c.RootRemoteID, c.ParentID = r.Root.URI, r.Parent.URI
	} else if nv.Reason == "quote" {
		c.RootRemoteID = nv.ReasonSubject // the post quoted
	}
	// What an answer to this comment needs, kept now so that replying
	// needs no AppView: the comment itself as parent, and its thread's
	// root (the comment itself when it starts one, as a mention or a quote
	// does).
	if nv.URI != "" && nv.CID != "" {
		self := strongRef{URI: nv.URI, CID: nv.CID}
		ref := replyRef{Root: self, Parent: self}
		if r := nv.Record.Reply; r != nil && r.Root.URI != "" && r.Root.CID != "" {
			ref.Root = r.Root
		}
		if raw, err := json.Marshal(ref); err == nil {
			c.ReplyRef = string(raw)
		}
	}
	if t, ok := parseTime(nv.Record.CreatedAt); ok {
		c.CreatedAt = t
	} else if t, ok := parseTime(nv.IndexedAt); ok {
		c.CreatedAt = t
	}
	return c
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
