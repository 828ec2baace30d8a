package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// TestRecordIsTheSameOnEveryAttempt checks the exact bytes of the record
// crier writes (against testdata/post.golden.json): the same request must
// always give the same record, so that a retry lands on the same CID.
func TestRecordIsTheSameOnEveryAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.srv.AddUser("ana.test")
	parent, err := b.net.Publish(ctx, request("8:bsky:0", "Launch tomorrow."))
	require.NoError(t, err)
	req := request("9:bsky:0", "Yes! 🎉 Thanks @ana.test, #crier is at https://example.com/crier.")
	req.InReplyTo = parent.RemoteID

	res, err := b.net.Reply(ctx, req)
	require.NoError(t, err)
	first, _ := b.srv.Post(res.RemoteID)

	puts := b.srv.Calls("com.atproto.repo.putRecord")
	other := b.another(t) // a fresh start: nothing cached
	_, err = other.Reply(ctx, req)
	require.NoError(t, err)
	second, _ := b.srv.Post(res.RemoteID)
	require.Equal(t, string(first.Record), string(second.Record))
	require.Equal(t, first.CID, second.CID)
	require.Zero(t, b.srv.Updates())
	// A retry with a different record is refused with InvalidSwap (which
	// the adapter takes as "already posted"), so the URI alone proves
	// nothing: the PDS must have found the very same record.
	require.Zero(t, b.srv.InvalidSwaps(), "the retry wrote a different record")
	require.Equal(t, puts+1, b.srv.Calls("com.atproto.repo.putRecord"), "the retry wrote again")

	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, first.Record, "", "  "))
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "post.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to write %s", path)
	require.Equal(t, string(want), pretty.String())
}
