//! A deterministic synthetic feed set with known duplicate groups, for measuring dedup's
//! precision and recall (tests/dedup.rs) and its cost (examples/dedup_bench.rs).
//!
//! Publishers' feeds carry their own stories, each under one footer style; aggregator feeds
//! carry copies of them: exact copies with tracking parameters, exact texts under the
//! aggregator's own URL, near copies (a sentence edited, another footer) and teasers.
//! Precision is tested by what must stay apart: recurring posts with one title and a shared
//! template ("Weekly roundup"), same-titled posts of different feeds ("Open thread"), and
//! pairs of stories on one event that share a quote. A second round regenerates the guids of
//! some feeds (same links), edits some items in place and adds new stories.

#![allow(dead_code)]

use std::collections::HashMap;

/// xorshift64*: small, fast, and the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ro", "sa", "ti", "vu", "ba", "de", "fi", "go", "ha", "ju", "ke", "li",
    "ma", "no", "pe", "ri", "so", "ta", "ve", "wo", "za", "tra", "pli", "stro", "gen", "mar",
    "dor", "bel", "cin", "fal",
];
const COMMON: &[&str] = &[
    "the", "a", "of", "to", "and", "in", "that", "is", "for", "on", "with", "as", "it", "was",
    "said", "by", "at", "from", "this", "have", "will", "are", "be", "has", "but", "not",
];

/// Words with a skewed frequency: common words often, each rare word seldom, as in prose.
pub struct Vocabulary {
    words: Vec<String>,
}

impl Vocabulary {
    pub fn new(size: usize) -> Vocabulary {
        let mut rng = Rng::new(7);
        let mut words: Vec<String> = COMMON.iter().map(|w| w.to_string()).collect();
        let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
        while words.len() < size {
            let n = rng.range(2, 4);
            let word: String = (0..n)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        Vocabulary { words }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        if rng.chance(35) {
            return COMMON[rng.below(COMMON.len())];
        }
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        &self.words[((u * u * u) * self.words.len() as f64) as usize]
    }

    pub fn sentence(&self, rng: &mut Rng) -> String {
        let n = rng.range(8, 20);
        let mut s: Vec<String> = (0..n).map(|_| self.word(rng).to_string()).collect();
        if let Some(first) = s.first_mut() {
            let mut c = first.chars();
            *first = c
                .next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default();
        }
        format!("{}.", s.join(" "))
    }

    pub fn paragraph(&self, rng: &mut Rng) -> String {
        let n = rng.range(3, 6);
        (0..n)
            .map(|_| self.sentence(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone)]
pub struct Story {
    pub group: usize,
    pub title: String,
    pub url: String,
    pub paragraphs: Vec<String>,
}

/// One item as a feed serves it.
#[derive(Debug, Clone)]
pub struct SynthItem {
    pub guid: String,
    pub link: String,
    pub title: String,
    pub html: String,
    pub group: usize,
}

#[derive(Debug, Clone, Default)]
pub struct SynthFeed {
    pub name: String,
    pub title: String,
    pub items: Vec<SynthItem>,
}

impl SynthFeed {
    pub fn to_rss(&self) -> String {
        let items: String = self
            .items
            .iter()
            .map(|i| {
                format!(
                    "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
                     <content:encoded><![CDATA[{}]]></content:encoded></item>\n",
                    xml_escape(&i.title),
                    xml_escape(&i.link),
                    xml_escape(&i.guid),
                    i.html
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
             <title>{}</title><link>https://{}.example/</link>\n{items}</channel></rss>\n",
            xml_escape(&self.title),
            self.name
        )
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The sizes of a synthetic world.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub publishers: usize,
    pub aggregators: usize,
    /// Stories per publisher in the first round; a fifth more arrive in the second.
    pub stories: usize,
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            publishers: 24,
            aggregators: 4,
            stories: 20,
            seed: 42,
        }
    }
}

/// The feeds of each round, and every (feed, guid) ever served with its true story.
pub struct World {
    pub rounds: Vec<Vec<SynthFeed>>,
    pub truth: HashMap<(String, String), usize>,
}

/// How an aggregator carries a copy; counted for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CopyKind {
    TrackedLink,
    SameTextOwnUrl,
    NearCopy,
    Teaser,
}

pub fn world(shape: Shape) -> World {
    Builder::new(shape).build()
}

struct Builder {
    shape: Shape,
    rng: Rng,
    vocab: Vocabulary,
    next_group: usize,
}

impl Builder {
    fn new(shape: Shape) -> Builder {
        Builder {
            shape,
            rng: Rng::new(shape.seed),
            vocab: Vocabulary::new(4000),
            next_group: 0,
        }
    }

    fn story(&mut self, host: &str, title: String, paragraphs: Vec<String>) -> Story {
        let group = self.next_group;
        self.next_group += 1;
        Story {
            group,
            url: format!("https://{host}.example/{}/story-{group}", 2020 + group % 6),
            title,
            paragraphs,
        }
    }

    fn body(&mut self) -> Vec<String> {
        let n = self.rng.range(5, 12);
        (0..n)
            .map(|_| self.vocab.paragraph(&mut self.rng))
            .collect()
    }

    fn title(&mut self) -> String {
        let n = self.rng.range(4, 9);
        self.vocab
            .sentence(&mut self.rng)
            .split_whitespace()
            .take(n)
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn build(mut self) -> World {
        let names: Vec<String> = (0..self.shape.publishers)
            .map(|p| format!("pub{p}"))
            .collect();
        // Round 1 and round 2 stories per publisher.
        let mut stories: Vec<Vec<Story>> = Vec::new();
        let quote = self.vocab.sentence(&mut self.rng);
        for (p, name) in names.iter().enumerate() {
            let mut own = Vec::new();
            let total = self.shape.stories + self.shape.stories / 5;
            for s in 0..total {
                let title = self.title();
                let mut body = self.body();
                // Every fifth story reports an event other publishers also cover, quoting
                // the same statement in its middle.
                if s % 5 == 0 {
                    let middle = body.len() / 2;
                    body.insert(
                        middle,
                        format!("\u{201c}{quote}\u{201d} the spokesperson said."),
                    );
                }
                own.push(self.story(name, title, body));
            }
            // Recurring posts: one title, a shared template, their own content.
            if p % 3 == 0 {
                let template = [
                    self.vocab.paragraph(&mut self.rng),
                    self.vocab.paragraph(&mut self.rng),
                ];
                for week in 0..4 {
                    let mut body = template.to_vec();
                    body.extend(
                        (0..self.rng.range(2, 4)).map(|_| self.vocab.paragraph(&mut self.rng)),
                    );
                    let mut story = self.story(name, "Weekly roundup".to_string(), body);
                    story.url = format!("https://{name}.example/weekly-roundup-{week}");
                    own.push(story);
                }
            }
            if p % 4 == 2 {
                let body = self.body();
                own.push(self.story(name, "Open thread".to_string(), body));
            }
            stories.push(own);
        }
        let mut truth = HashMap::new();
        let first_round = self.shape.stories;
        let mut rounds = Vec::new();
        for round in 0..2 {
            let mut feeds = Vec::new();
            for (p, name) in names.iter().enumerate() {
                let visible: Vec<&Story> = stories[p]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        round == 1 || *i < first_round || *i >= first_round + self.shape.stories / 5
                    })
                    .map(|(_, s)| s)
                    .collect();
                let items = visible
                    .iter()
                    .enumerate()
                    .map(|(i, s)| self.publisher_item(p, round, i, s))
                    .collect();
                feeds.push(SynthFeed {
                    name: name.clone(),
                    title: format!("Publisher {p}"),
                    items,
                });
            }
            for a in 0..self.shape.aggregators {
                let mut items = Vec::new();
                for (p, own) in stories.iter().enumerate() {
                    for (i, s) in own.iter().enumerate() {
                        // Decided per story, so a copy is the same in both rounds.
                        let mut rng =
                            Rng::new(self.shape.seed ^ ((a as u64 + 1) << 32) ^ s.group as u64);
                        let in_round = round == 1 || i < first_round;
                        if !in_round || s.title == "Weekly roundup" || !rng.chance(30) {
                            continue;
                        }
                        let kind = match rng.below(4) {
                            0 => CopyKind::TrackedLink,
                            1 => CopyKind::SameTextOwnUrl,
                            2 => CopyKind::NearCopy,
                            _ => CopyKind::Teaser,
                        };
                        items.push(aggregator_item(a, p, s, kind, &mut rng, &self.vocab));
                    }
                }
                feeds.push(SynthFeed {
                    name: format!("agg{a}"),
                    title: format!("Aggregator {a}"),
                    items,
                });
            }
            for feed in &feeds {
                for item in &feed.items {
                    truth.insert((feed.name.clone(), item.guid.clone()), item.group);
                }
            }
            rounds.push(feeds);
        }
        World { rounds, truth }
    }

    /// A publisher's own item. Feeds `p % 4 == 1` regenerate guids every round; in round 2
    /// every seventh item of the others is edited in place.
    fn publisher_item(&mut self, p: usize, round: usize, i: usize, s: &Story) -> SynthItem {
        let guid = if p % 4 == 1 {
            format!("pub{p}-r{round}-{}", s.group)
        } else {
            format!("pub{p}-{}", s.group)
        };
        let mut paragraphs = s.paragraphs.clone();
        if round == 1 && p % 4 != 1 && i % 7 == 3 {
            paragraphs.push("Update: this story was corrected after publication.".to_string());
        }
        let footer = match p % 3 {
            0 => format!(
                "<p>The post <a href=\"{}\">{}</a> appeared first on <a href=\"https://pub{p}.example/\">Publisher {p}</a>.</p>",
                s.url, s.title
            ),
            1 => format!(
                "<p>Thanks for reading Publisher {p}! Subscribe to get every story by email.</p>"
            ),
            _ => String::new(),
        };
        SynthItem {
            guid,
            link: s.url.clone(),
            title: s.title.clone(),
            html: format!("{}{footer}", html_paragraphs(&paragraphs)),
            group: s.group,
        }
    }
}

fn aggregator_item(
    a: usize,
    p: usize,
    s: &Story,
    kind: CopyKind,
    rng: &mut Rng,
    vocab: &Vocabulary,
) -> SynthItem {
    let own_url = format!("https://agg{a}.example/p{p}/{}", s.group);
    let footer = format!("<p>Found by Aggregator {a}, the best of the web every day.</p>");
    let (link, html) = match kind {
        CopyKind::TrackedLink => (
            format!(
                "{}?utm_source=agg{a}&utm_medium=rss&fbclid=x{}",
                s.url,
                rng.below(1000)
            ),
            format!("{}{footer}", html_paragraphs(&s.paragraphs)),
        ),
        CopyKind::SameTextOwnUrl => (own_url, html_paragraphs(&s.paragraphs)),
        CopyKind::NearCopy => {
            let mut paragraphs = s.paragraphs.clone();
            let k = rng.below(paragraphs.len());
            let mut sentences: Vec<String> =
                paragraphs[k].split(". ").map(str::to_string).collect();
            let j = rng.below(sentences.len());
            sentences[j] = vocab.sentence(rng).trim_end_matches('.').to_string();
            paragraphs[k] = sentences.join(". ");
            let other_footer = format!(
                "<p>Syndicated by Aggregator {a}. Copyright belongs to the original publisher; all rights reserved.</p>"
            );
            (
                own_url,
                format!("{}{other_footer}", html_paragraphs(&paragraphs)),
            )
        }
        CopyKind::Teaser => {
            let words: Vec<&str> = s
                .paragraphs
                .iter()
                .flat_map(|p| p.split_whitespace())
                .collect();
            let teaser = words[..55.min(words.len())].join(" ");
            (own_url, format!("<p>{teaser} [&hellip;]</p>"))
        }
    };
    SynthItem {
        guid: format!("agg{a}-{}-{}", s.group, rng.below(1 << 30)),
        link,
        title: format!("{} | Publisher {p}", s.title),
        html,
        group: s.group,
    }
}

fn html_paragraphs(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| {
            // Inline markup on a word, as publishers write it.
            let mut words: Vec<String> = p.split(' ').map(str::to_string).collect();
            if words.len() > 6 {
                words[3] = format!("<em>{}</em>", words[3]);
            }
            format!("<p>{}</p>", words.join(" "))
        })
        .collect()
}

/// Pairwise precision and recall of `articles` (item -> article) against `truth`
/// (item -> story): a pair of items is merged when they share an article.
pub fn pair_scores<K: std::hash::Hash + Eq>(
    items: &[(K, i64)],
    truth: &HashMap<K, usize>,
) -> PairScores {
    let mut by_article: HashMap<i64, usize> = HashMap::new();
    let mut by_group: HashMap<usize, usize> = HashMap::new();
    let mut by_both: HashMap<(i64, usize), usize> = HashMap::new();
    let mut unknown = 0;
    for (key, article) in items {
        let Some(&group) = truth.get(key) else {
            unknown += 1;
            continue;
        };
        *by_article.entry(*article).or_default() += 1;
        *by_group.entry(group).or_default() += 1;
        *by_both.entry((*article, group)).or_default() += 1;
    }
    let pairs = |n: &usize| (n * n.saturating_sub(1) / 2) as u64;
    PairScores {
        merged: by_article.values().map(pairs).sum(),
        true_pairs: by_group.values().map(pairs).sum(),
        correct: by_both.values().map(pairs).sum(),
        unknown,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PairScores {
    /// Pairs that share an article.
    pub merged: u64,
    /// Pairs that are copies of one story.
    pub true_pairs: u64,
    /// Pairs that share an article and are copies of one story.
    pub correct: u64,
    /// Items whose (feed, guid) the generator never served.
    pub unknown: usize,
}

impl PairScores {
    pub fn precision(&self) -> f64 {
        if self.merged == 0 {
            1.0
        } else {
            self.correct as f64 / self.merged as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.true_pairs == 0 {
            1.0
        } else {
            self.correct as f64 / self.true_pairs as f64
        }
    }
}
