package bluesky

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
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

// Comments returns the replies, mentions and quotes that arrived after
// cursor (the newest indexedAt seen so far; "" for the latest page), oldest
// first, and the cursor to pass next time.
func (n *Network) Comments(ctx context.Context, cursor string) ([]crier.Comment, string, error) {
	since, hasSince := parseTime(cursor)
	newest, newestAt := cursor, since
	var found []notificationView
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
			if cursor != "" {
				seen := nv.IndexedAt <= cursor
				if hasSince && ok {
					seen = !at.After(since)
				}
				if seen {
					reached = true
					break
				}
			}
			if ok && at.After(newestAt) {
				newest, newestAt = nv.IndexedAt, at
			}
			switch nv.Reason {
			case "reply", "mention", "quote":
				found = append(found, nv)
			}
		}
		if reached || cursor == "" || out.Cursor == "" || len(out.Notifications) == 0 {
			break
		}
		if i+1 == maxNotificationPages {
			n.log.Warn("bluesky notifications: too many since the last poll; older ones skipped", "network", n.name, "cursor", cursor)
			break
		}
		page = out.Cursor
	}
	slices.Reverse(found) // the AppView gives newest first
	comments := make([]crier.Comment, 0, len(found))
	for _, nv := range found {
		comments = append(comments, n.comment(nv))
	}
	return comments, newest, nil
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
