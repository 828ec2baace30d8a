package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"time"
)

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz" // base32-sortable

// tidSpread is how far before the due time a record key's timestamp may
// be: 2^30 µs, about 18 minutes. With the 10-bit clock id this gives each
// due instant 2^40 keys, so that even 100,000 posts due at the same
// instant almost surely get different keys (with only the millisecond's
// 1000 µs the keys of about a thousand posts would already collide, and a
// collision would overwrite another post).
const tidSpread = 1 << 30

// RecordKey returns the record key (a TID) at which the delivery with this
// idempotency key and due time is written. The same key and due time
// always give the same TID, and different keys almost surely different
// ones: the TID's timestamp is the due time (to the millisecond) minus up
// to 18 minutes taken from a hash of the key, and its 10-bit clock id comes
// from other bits of that hash.
func RecordKey(idempotencyKey string, due time.Time) (string, error) {
	if idempotencyKey == "" {
		return "", errors.New("no idempotency key")
	}
	sum := sha256.Sum256([]byte(idempotencyKey))
	h := binary.BigEndian.Uint64(sum[:8])
	micros := due.UnixMilli()*1000 - int64(h%tidSpread)
	clockID := (h >> 30) & 0x3ff
	if due.Year() < 2000 || micros < 0 || micros >= 1<<53 {
		return "", errors.New("due time out of range for a record key")
	}
	return encodeTID(uint64(micros)<<10 | clockID), nil
}

// encodeTID writes v (top bit 0) as 13 base32-sortable characters.
func encodeTID(v uint64) string {
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}
