package commands

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/crier-bot/crier/internal/crier"
)

// maxImages is the most pictures one post may carry (Mastodon and Bluesky
// both take 4).
const maxImages = 4

// splitImages takes the lines "image: <url>" or "image: <url> | <description>"
// out of a post's text and returns the text without them and the images.
// Slack's link markup (<https://…> and <https://…|label>) is understood.
func splitImages(text string) (string, []crier.Image, error) {
	var (
		keep   []string
		images []crier.Image
	)
	for _, line := range strings.Split(text, "\n") {
		head, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(head), "image") {
			keep = append(keep, line)
			continue
		}
		// "image: https://…" cuts at the first colon, so rest starts with the URL.
		link, alt := imageLink(strings.TrimSpace(rest))
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsFunc(link, unicode.IsSpace) {
			return "", nil, crier.Errorf(crier.EINVALID, "%q is not a web address of a picture. Write the image line like: image: https://example.com/photo.jpg | A red bicycle", clip(link, 60))
		}
		// The address is kept as typed: u.String() would re-escape it.
		images = append(images, crier.Image{URL: link, Alt: alt})
	}
	if len(images) > maxImages {
		return "", nil, crier.Errorf(crier.EINVALID, "A post can carry at most %d pictures; this one has %d. Remove %d image lines.", maxImages, len(images), len(images)-maxImages)
	}
	return strings.TrimSpace(strings.Join(keep, "\n")), images, nil
}

// imageLink splits what follows "image:" into the address and the
// description. The first "|" separates them, with or without spaces around
// it; nothing (or only spaces) after it means no description. A "|" is not
// allowed unescaped in an address (RFC 3986), so it cannot be part of one,
// except inside Slack's link markup <https://…|label>, whose label is dropped.
func imageLink(rest string) (link, alt string) {
	if strings.HasPrefix(rest, "<") {
		if end := strings.Index(rest, ">"); end > 0 {
			link, _, _ = strings.Cut(rest[1:end], "|")
			after := strings.TrimSpace(rest[end+1:])
			return strings.TrimSpace(link), strings.TrimSpace(strings.TrimPrefix(after, "|"))
		}
	}
	link, alt, _ = strings.Cut(rest, "|")
	return strings.TrimSpace(link), strings.TrimSpace(alt)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
