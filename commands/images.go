package commands

import (
	"net/url"
	"strings"

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
		rest = strings.TrimSpace(rest)
		link, alt, _ := strings.Cut(rest, " | ")
		link = strings.TrimSpace(link)
		if strings.HasPrefix(link, "<") && strings.HasSuffix(link, ">") {
			link, _, _ = strings.Cut(strings.Trim(link, "<>"), "|")
		}
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", nil, crier.Errorf(crier.EINVALID, "%q is not a web address of a picture. Write the image line like: image: https://example.com/photo.jpg | A red bicycle", clip(link, 60))
		}
		images = append(images, crier.Image{URL: u.String(), Alt: strings.TrimSpace(alt)})
	}
	if len(images) > maxImages {
		return "", nil, crier.Errorf(crier.EINVALID, "A post can carry at most %d pictures; this one has %d. Remove %d image lines.", maxImages, len(images), len(images)-maxImages)
	}
	return strings.TrimSpace(strings.Join(keep, "\n")), images, nil
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
