package sentiment

import (
	"math"
	"strings"
	"sync"
	"testing"
)

func newScorer(t testing.TB) *Scorer {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestScoreLabelsCustomerComments(t *testing.T) {
	s := newScorer(t)
	tests := []struct {
		name, text string
		label      Label
		lang       string
	}{
		// English (VADER through govader)
		{"en praise", "Thank you so much, the support team fixed it in minutes!", Positive, English},
		{"en complaint", "The delivery was late and the box was damaged. Very disappointed.", Negative, English},
		{"en negated bad", "Honestly the new app is not bad at all", Positive, English},
		{"en negated good", "The checkout is not good, it keeps failing", Negative, English},
		{"en but", "The product is great but the customer service was terrible", Negative, English},
		{"en emoticon", "Order arrived today :(", Negative, English},
		{"en neutral question", "When does the store open on Sunday?", Neutral, English},
		{"en emoji only", "😠😢", Negative, English},

		// Portuguese (VADER rules over LeIA + crier's list)
		{"pt praise", "Amei o produto, chegou rápido! Parabéns pelo atendimento 😍", Positive, Portuguese},
		{"pt thanks", "Obrigada pelo retorno, deu tudo certo!", Positive, Portuguese},
		{"pt complaint", "Péssimo atendimento, nunca mais compro aqui. Vou no Procon.", Negative, Portuguese},
		{"pt does not work", "O app não funciona!!!", Negative, Portuguese},
		{"pt negated good", "Não gostei do atendimento.", Negative, Portuguese},
		{"pt negated bad", "O lanche não é ruim não", Positive, Portuguese},
		{"pt nem", "Nem um pouco satisfeito com a compra", Negative, Portuguese},
		{"pt nunca", "Nunca fui tão bem atendido", Positive, Portuguese},
		{"pt mas", "O produto é bom, mas a entrega atrasou demais", Negative, Portuguese},
		{"pt caps", "MUITO RUIM o suporte de vocês", Negative, Portuguese},
		{"pt no accents", "pessimo atendimento, nao resolveram nada", Negative, Portuguese},
		{"pt neutral question", "Qual o horário da loja no domingo?", Neutral, Portuguese},

		// Neither language: neutral, never an error
		{"empty", "", Neutral, ""},
		{"blank", "   \n\t ", Neutral, ""},
		{"romanian", "Produsul a sosit stricat, sunt foarte dezamăgit. Nu mai comand niciodată de aici!", Neutral, ""},
		{"japanese", "配送が遅すぎます。最悪です。", Neutral, ""},
		{"digits", "12345 !!!", Neutral, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Score(tc.text)
			if got.Label != tc.label || got.Language != tc.lang {
				t.Fatalf("Score(%q) = %+v, want label %q language %q", tc.text, got, tc.label, tc.lang)
			}
			if got.Compound < -1 || got.Compound > 1 {
				t.Fatalf("Score(%q).Compound = %v, outside [-1, 1]", tc.text, got.Compound)
			}
			if got.Language == "" && got.Compound != 0 {
				t.Fatalf("Score(%q).Compound = %v for an unknown language, want 0", tc.text, got.Compound)
			}
		})
	}
}

// The reference implementation's own examples (cjhutto/vaderSentiment README), to 4 decimals.
func TestScoreEnglishMatchesVADERReference(t *testing.T) {
	s := newScorer(t)
	for text, want := range map[string]float64{
		"VADER is smart, handsome, and funny.":      0.8316,
		"VADER is smart, handsome, and funny!":      0.8439,
		"VADER is very smart, handsome, and funny.": 0.8545,
		"VADER is not smart, handsome, nor funny.":  -0.7424,
		"The book was good.":                        0.4404,
		"Today SUX!":                                -0.5461,
	} {
		got := s.Score(text)
		if math.Abs(got.Compound-want) > 0.00005 {
			t.Errorf("Score(%q).Compound = %.4f, want %.4f (vaderSentiment)", text, got.Compound, want)
		}
	}
}

// The same rules must move Portuguese scores the way VADER moves English ones.
func TestScorePortugueseRules(t *testing.T) {
	s := newScorer(t)
	c := func(text string) float64 {
		t.Helper()
		r := s.Score(text)
		if r.Language != Portuguese {
			t.Fatalf("Score(%q).Language = %q, want pt", text, r.Language)
		}
		return r.Compound
	}
	base := c("O atendimento foi bom")
	if base < PositiveThreshold {
		t.Fatalf("base %v not positive", base)
	}
	if got := c("O atendimento foi muito bom"); got <= base {
		t.Errorf("booster: %v, want > %v", got, base)
	}
	if got := c("O atendimento foi BOM"); got <= base {
		t.Errorf("caps: %v, want > %v", got, base)
	}
	if got := c("O atendimento foi bom!!"); got <= base {
		t.Errorf("exclamation: %v, want > %v", got, base)
	}
	if got := c("O atendimento não foi bom"); got > NegativeThreshold {
		t.Errorf("negation: %v, want negative", got)
	}
	if got := c("O atendimento foi pouco bom"); got >= base {
		t.Errorf("dampener: %v, want < %v", got, base)
	}
	if got, want := c("O atendimento foi bom"), c("o atendimento foi bom"); got != want {
		t.Errorf("case alone changed the score: %v vs %v", got, want)
	}
	if got, want := c("péssimo serviço"), c("pessimo servico"); got != want || got > NegativeThreshold {
		t.Errorf("accents: %v vs %v, want equal and negative", got, want)
	}
}

func TestScoreIsSafeForConcurrentUse(t *testing.T) {
	s := newScorer(t)
	want := s.Score("Péssimo atendimento, nunca mais compro aqui")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if got := s.Score("Péssimo atendimento, nunca mais compro aqui"); got != want {
					t.Errorf("got %+v, want %+v", got, want)
					return
				}
				s.Score("Thank you, great support!")
			}
		}()
	}
	wg.Wait()
}

func TestScoreLongTextStaysBounded(t *testing.T) {
	s := newScorer(t)
	r := s.Score(strings.Repeat("horrible awful terrible service!!! ", 2000))
	if r.Label != Negative || r.Compound < -1 {
		t.Fatalf("got %+v", r)
	}
}

func BenchmarkScore(b *testing.B) {
	s := newScorer(b)
	texts := []string{
		"Thank you so much, the support team fixed it in minutes!",
		"Péssimo atendimento, nunca mais compro aqui. Vou no Procon.",
		"O produto é bom, mas a entrega atrasou demais",
		"配送が遅すぎます。最悪です。",
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Score(texts[i%len(texts)])
	}
}
