package compose

import "strings"

// facetTLDs lists the top-level domains that make a bare word such as
// example.com a link: every country code and the generic domains people
// actually use. The Bluesky app checks against the whole IANA list; a short
// list errs on the side of not linking ("README.md" is Moldova, though).
const facetTLDs = " " +
	// country codes
	"ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz " +
	"ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu " +
	"fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu " +
	"id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly " +
	"ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz " +
	"om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz " +
	"tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw " +
	// original and sponsored generic domains
	"com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi museum post tel travel xxx " +
	// newer generic domains in common use
	"academy agency ai app art audio band bar beer best bike bio black blog blue book boutique build business buzz " +
	"cafe camera camp capital care careers casa cash center chat church city click clinic cloud club coach codes coffee " +
	"community company computer consulting cool credit cx dance data date dating day deals delivery design dev diet " +
	"digital direct directory discount dog domains download earth eco education email energy engineering events exchange " +
	"expert express fail family fan fans farm fashion film finance fish fit fitness florist foo food football forum foundation " +
	"free fun fund furniture futbol fyi gallery game games garden gay gift gifts gives glass global gmbh gold golf graphics " +
	"gratis green group guide guru hair haus health help hiphop hockey holdings holiday homes horse hospital host hosting house " +
	"how icu immo inc industries ink institute insure international investments irish jetzt jewelry kaufen kim kitchen land " +
	"lat law lawyer legal lgbt life lighting limited link live llc loan lol london love ltd luxury maison management market " +
	"marketing mba media memorial men menu miami moda moe mom money monster mov movie music navy network new news ngo ninja " +
	"nyc one onl online ooo organic page paris partners party pet phd photo photography photos pics pictures pink pizza place " +
	"plus poker porn press productions promo properties property pub quest racing radio realty recipes red rehab reise rent " +
	"repair report rest restaurant review reviews rip rocks rodeo run sale salon sarl school science scot services sex sexy " +
	"shoes shop show singles site ski soccer social software solar solutions soy space sport store stream studio study style " +
	"sucks supply support surf surgery swiss systems tattoo tax taxi team tech technology tennis theater tickets tienda tips " +
	"tires today tokyo tools top tours town toys trade trading training tube university uno vacations vegas ventures vet " +
	"viajes video villas vin vip vision vodka vote voting voto voyage wales wang watch web webcam website wedding wien wiki " +
	"win wine work works world wtf xyz yoga zip zone "

// facetKnownTLD reports whether tld (lower case) is in facetTLDs.
func facetKnownTLD(tld string) bool {
	return tld != "" && !strings.ContainsAny(tld, " ") && strings.Contains(facetTLDs, " "+tld+" ")
}
