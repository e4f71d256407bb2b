"""The reader's pure text analysis: no model, no store."""

import pytest

from qa.query import analyse
from qa.reader.followup import condense, is_follow_up, own_words
from qa.reader.kinds import date_strength, fits, quantity_strength, reason_strength
from qa.reader.names import mentions, same_word, words
from qa.reader.questions import Kind, analyse_question, answer_kind, proper_names, speaker_of
from tests.helpers import article_index

pytestmark = pytest.mark.unit

ARTICLE = words(
    "The truth is that Ukraine will believe it when it sees it, Ukrainian Foreign Minister Dmitro Kuleba said. "
    "French government spokesman Gabriel Attal spoke. Zelenskyy met Beyoncé. The IMF’s managing director. Westerners."
)


@pytest.mark.parametrize(
    "name",
    [
        "Ukrainians",
        "Ukraine",
        "France",
        "Dmytro Kuleba",
        "Zelensky",
        "Zelenskiy",
        "Beyonce",
        "IMF",
        "the West",
        "Attal",
        "Gabriel Attal",
    ],
)
def test_names_as_people_spell_them_are_found(name):
    assert mentions(ARTICLE, name)


@pytest.mark.parametrize("name", ["Germany", "Harlem", "Jonas", "Netherlands", "Kyiv"])
def test_other_names_are_not(name):
    assert not mentions(ARTICLE, name)


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("netherlands", "dutch", True),
        ("uk", "british", True),
        ("russia", "russian", True),
        ("mario", "maria", False),
        ("jones", "jonas", False),
        ("harlow", "harlem", False),
        ("2021", "2022", False),
    ],
)
def test_same_word(a, b, same):
    assert same_word(a, b) is same


def test_possessives_and_accents_fold():
    assert words("the IMF's boss and the players' union, Beyoncé") == [
        "the",
        "imf",
        "boss",
        "and",
        "the",
        "players",
        "union",
        "beyonce",
    ]


@pytest.mark.parametrize(
    "question,kind",
    [
        ("How many fans can get into the ground?", Kind.QUANTITY),
        ("What does Travis Kelce think about how much the NFL shows Taylor Swift?", Kind.STATEMENT),
        ("By what percentage did sales rise?", Kind.QUANTITY),
        ("What profit figure did the bank post?", Kind.QUANTITY),
        ("What odds were traders giving for a rate hike?", Kind.QUANTITY),
        ("What role did the rate play?", Kind.OTHER),
        ("When does she start?", Kind.DATE),
        ("since when have they been separated", Kind.DATE),
        ("Who replaced the coach?", Kind.PERSON),
        ("Which company makes it?", Kind.ORGANISATION),
        ("Where did families sleep?", Kind.PLACE),
        ("Why is the mayor angry?", Kind.REASON),
        ("What did Stoltenberg say about Moscow?", Kind.STATEMENT),
        ("How did ten Hag answer the question?", Kind.STATEMENT),
        ("Did France welcome the move?", Kind.YESNO),
        ("What do the seeds do?", Kind.OTHER),
    ],
)
def test_answer_kind(question, kind):
    assert answer_kind(question) is kind


def test_speaker_phrases():
    assert speaker_of("What did the Dunmore manager say about October?") == "the Dunmore manager"
    assert speaker_of("What was Kuleba's reaction?") == "Kuleba"
    assert speaker_of("What do the seeds do?") is None


def test_proper_names_skip_question_words_dates_and_a_lone_first_word():
    assert proper_names("Approximately how many troops did Russia have in October?") == ["Russia"]
    assert proper_names("Who spoke for Paris about the Russian pullback?") == ["Paris", "Russian"]
    assert proper_names("What did Bank of America say?") == ["Bank of America"]


def test_new_opens_a_name_when_a_capitalised_word_follows():
    assert proper_names("What was the name of the New York lawyer who cited fake cases?") == ["New York"]
    assert proper_names("What is new at Apple?") == ["Apple"]


def test_an_opening_phrase_of_circumstance_is_no_part_of_its_own():
    text = (
        "After the soft US jobs numbers, what odds were traders giving for an RBA rate hike on Melbourne Cup Tuesday?"
    )
    assert analyse_question(text, analyse(text, {})).parts == []


def test_two_outlets_make_two_parts_and_order_questions_are_seen():
    aliases = {"techcrunch": ["techcrunch"], "engadget": ["engadget"]}
    text = "Which came first, TechCrunch's report on EU safeguards for AI or Engadget's on Biden's executive order?"
    q = analyse_question(text, analyse(text, aliases))
    assert q.asks_order and [p.outlets for p in q.parts] == [["techcrunch"], ["engadget"]]
    assert "EU safeguards" in q.parts[0].text and "executive order" in q.parts[1].text


def test_came_out_ran_and_went_up_first_are_order_questions_too():
    aliases = {"polygon": ["polygon"], "engadget": ["engadget"]}
    text = "Which came out first: Polygon's review of Spider-Man 2 or Engadget's review of Mario Wonder?"
    assert analyse_question(text, analyse(text, aliases)).asks_order
    text = "Which piece ran first, the strike one or the conductor one?"
    assert analyse_question(text, analyse(text, {})).asks_order


def test_a_long_question_is_split_into_its_clauses():
    text = (
        "Which company, featured in several TechCrunch articles, is responsible for developing GPT-4 Turbo and "
        "prioritizes ChatGPT as a development platform while also planning to open an app store for AI?"
    )
    q = analyse_question(text, analyse(text, {"techcrunch": ["techcrunch"]}))
    assert len(q.parts) == 3 and all(p.outlets == ["techcrunch"] for p in q.parts)


def test_a_set_up_statement_is_no_part_and_a_part_leaning_on_it_borrows_its_name():
    aliases = {"techcrunch": ["techcrunch"], "the roar": ["the roar"]}
    text = (
        "TechCrunch covered both Binance's plea deal and 10 Minute School's raise — how much is Binance "
        "paying, and how much did the Bangladeshi startup bring in?"
    )
    q = analyse_question(text, analyse(text, aliases))
    assert [p.text for p in q.parts] == ["how much is Binance paying", "how much did the Bangladeshi startup bring in"]
    assert all(p.outlets == ["techcrunch"] for p in q.parts)
    text = "Spurs were in The Roar's match report. What's Tottenham's cheapest ticket, and who scored their goal?"
    q = analyse_question(text, analyse(text, aliases))
    assert [p.text for p in q.parts] == ["What's Tottenham's cheapest ticket", "who scored their goal (Tottenham)"]
    text = "TechCrunch covered Epic v Google. When did that trial start, and how long did Sweeney say it lasted?"
    q = analyse_question(text, analyse(text, aliases))
    assert [p.text for p in q.parts][0] == "When did that trial start (Epic, Google)"
    # a broad question opening onto sub-questions: each asks its own kind, under the broad one;
    # "per Globes", an outlet known by another name, searches every outlet
    text = (
        "How has the war hit Israeli business: what happened to Check Point's staff per TechCrunch, "
        "and how far did the Tel Aviv 35 fall per Globes?"
    )
    q = analyse_question(text, analyse(text, aliases))
    assert [(p.text, p.outlets) for p in q.parts] == [
        ("what happened to Check Point's staff? (How has the war hit Israeli business)", ["techcrunch"]),
        ("how far did the Tel Aviv 35 fall per Globes? (How has the war hit Israeli business)", []),
    ]
    assert all(p.asks for p in q.parts)
    # one question asked of each outlet the set-up names
    text = "Everton won 3-0 in both TechCrunch's preview and The Roar's round-up. Who did they beat each time?"
    q = analyse_question(text, analyse(text, aliases))
    assert [(p.text, p.outlets) for p in q.parts] == [
        ("Who did they beat each time (Everton)", ["techcrunch"]),
        ("Who did they beat each time (Everton)", ["the roar"]),
    ]


def test_a_part_asks_its_own_kind_when_it_is_a_question_of_its_own():
    from qa.reader.questions import part_kind

    def ask(text):
        return analyse_question(text, analyse(text, {}))

    whole = ask(
        "How much is Binance paying to settle the US case, and who scored the late goal for Spurs against Chelsea?"
    )
    assert whole.kind is Kind.QUANTITY
    assert [part_kind(p, ask(p.text), whole) for p in whole.parts] == [Kind.QUANTITY, Kind.PERSON]
    broad = ask(
        "How much did the war cost Israel: what happened to Check Point's staff, and how far did the index fall?"
    )
    assert [part_kind(p, ask(own_words(p.text)), broad) for p in broad.parts] == [Kind.OTHER, Kind.QUANTITY]
    # a relative clause asks what the question asks
    clauses = ask(
        "Which company, who recently hired a former Google researcher, is developing GPT-4 Turbo, and plans an app store?"
    )
    assert clauses.kind is Kind.ORGANISATION and clauses.parts[0].text.startswith("who recently hired")
    assert {part_kind(p, ask(p.text), clauses) for p in clauses.parts} == {Kind.ORGANISATION}


def test_follow_up_with_a_bare_name_replaces_the_speaker():
    c = condense("And Ukraine?", ["What did France say about the withdrawal?"])
    assert c.standalone == "What did Ukraine say about the withdrawal?"
    assert c.previous == "What did France say about the withdrawal?"


def test_follow_up_pronoun_takes_the_person_the_previous_answer_named():
    history = [("Who is Bumble's new chief executive?", "Bumble named Lidiane Jones, who ran Slack, its CEO [1]")]
    c = condense("Where was she working before that?", history)
    assert c.standalone.startswith("Where was Lidiane Jones working before that?")
    assert "Bumble" in c.standalone  # the previous question rides along for retrieval


def test_a_question_naming_nothing_leans_on_the_conversation():
    assert is_follow_up("What was the vote count?")
    assert not is_follow_up("What did the Kremlin announce about troops on the border with Ukraine?")
    c = condense("What was the vote count?", ["What did Calder's assembly pass on Wednesday?"])
    assert "Calder" in c.standalone


def test_kind_strengths():
    q = "How much was Stridewell fined?"
    assert quantity_strength("Stridewell was fined €2.1 million by the regulator.", q) == 1.0
    assert quantity_strength("Stridewell was fined by the regulator in 2023.", q) == 0.0
    assert date_strength("The final is on May 18.", "When is the final?") == 1.0
    assert date_strength("The final will be great.", "When is the final?") == 0.0
    assert reason_strength("It was delayed because of rising costs.") == 1.0
    text = "Who replaced the coach?"
    q2 = analyse_question(text, analyse(text, {}))
    assert fits(Kind.PERSON, "The club appointed Mick Farrant in June.", q2) == 1.0
    assert fits(Kind.PERSON, "The club appointed a new coach in June.", q2) == 0.0


def test_outlets_the_store_does_not_have_are_found():
    from qa.reader.questions import unknown_outlets

    aliases = {"the verge": ["the verge"], "verge": ["the verge"]}
    text = "Considering an article by The Times of India and a Bloomberg report, what did The Verge's piece say in October?"
    assert unknown_outlets(text, analyse(text, aliases)) == ["The Times of India", "Bloomberg"]
    text = "What did the Verge piece published on November 5 say about the EU's report?"
    assert unknown_outlets(text, analyse(text, aliases)) == []


def test_how_it_ended_wants_a_result_not_a_preview():
    from qa.reader.kinds import outcome_strength

    assert answer_kind("Who won the Harlow v Dunmore semi-final?") is Kind.OUTCOME
    assert answer_kind("Did the strike go ahead in the end?") is Kind.OUTCOME
    assert answer_kind("Who won the Nobel Prize in chemistry?") is Kind.PERSON
    assert outcome_strength("Goulding steered Melbourne United to a 96-84 win over the Hawks.") == 1.0
    assert outcome_strength("Harlow will try to reach the final when they host Dunmore on Saturday.") == 0.0


def test_a_score_question_wants_a_scoreline_about_its_match():
    from qa.reader.kinds import outcome_strength

    q = "What was the final score in the Merseyside derby?"
    assert outcome_strength("Everton beat Liverpool 2-0 in the Merseyside derby.", q) == 1.0
    # a result, but no score: the old record is not this match's score
    assert outcome_strength("Everton have won just one of the last 25 derbies.", q) == 0.3

    def about_derby(clause: str) -> bool:
        return "derby" in clause

    # a result in a clause about something else counts for less
    assert outcome_strength("Stones scored twice, and Villa beat Hull.", "Who won the derby?", about_derby) == 0.5


def test_how_much_of_a_thing_is_an_amount_not_money():
    from qa.reader.kinds import quantity_strength

    q = "How much water should the device make per day?"
    assert quantity_strength("The device can extract 2 to 5 liters a day.", q) >= 0.8
    assert quantity_strength("The team spent $3 million on it.", "How much did the team spend?") == 1.0
    assert quantity_strength("The team hired 3 engineers.", "How much did the team spend?") == 0.3


def test_a_why_question_without_a_cause_quotes_the_sentence_after():
    from qa.query import analyse
    from qa.reader.evidence import ReaderConfig, decide
    from qa.reader.questions import analyse_question

    body = "Ternan did not join the lawsuit. It feels like looking backwards, he said. Other news follows here."
    units = _scored_units(body, [(0, 32), (33, 72), (73, len(body))], [(3.0, 0.7), (2.0, 0.5), (1.0, 0.2)])
    text = "Why didn't Ternan join the lawsuit?"
    q = analyse_question(text, analyse(text, {}))
    assert q.kind is Kind.REASON
    assert [u.start for u in decide(q, units, ReaderConfig()).answer] == [0, 33]
    units[0].fits = 1.0  # the best sentence gives a cause itself: nothing added
    assert [u.start for u in decide(q, units, ReaderConfig()).answer] == [0]


def test_the_term_matcher_agrees_with_has_term():
    from qa.reader.evidence import TermMatcher, has_term

    terms = ["russia", "west", "withdraw", "nato"]
    sets = [{"russian", "troop"}, {"western", "russ"}, {"withdrawn"}, {"nat", "ato"}, set()]
    for s in sets:
        assert TermMatcher(terms)(s) == {t for t in terms if has_term(s, t)}
    assert TermMatcher(terms)({"russian", "western"}) == {"russia", "west"}


def test_a_third_candidate_is_no_number_but_a_third_of_the_votes_is():
    from qa.reader.kinds import quantity_strength

    q = "How many votes did the Greens candidate get?"
    assert quantity_strength("A third candidate, Damian Kyle, finished a distant third.", q) == 0.0
    assert quantity_strength("The Greens won a third of the votes.", q) == 1.0


def test_a_pronoun_with_a_contraction_becomes_the_name():
    from qa.reader.followup import condense

    prev = (
        "Who did the orchestra name as chief conductor?",
        "The orchestra appointed Ana Matos, replacing Henrik Voss. [1]",
    )
    assert condense("How long has the man she's replacing been in charge?", [prev]).asked.startswith(
        "How long has the man Ana Matos replacing"
    )


def test_a_sentence_saying_the_detail_is_withheld_is_a_refusal_that_shows_it():
    from qa.query import analyse
    from qa.reader.evidence import ReaderConfig, decide
    from qa.reader.questions import analyse_question
    from qa.reader.sentences import Unit

    body = "Police have not released the names of the dead. Seven people died in the flood."
    (p,) = article_index([[body]])[1]
    units = [Unit(p, 0, 0, 48, body[:48]), Unit(p, 0, 49, len(body), body[49:])]
    for u, (score, relevance) in zip(units, [(3.0, 0.7), (2.0, 0.5)]):
        u.score, u.relevance, u.fits = score, relevance, 0.5
    text = "What are the names of the people killed in the flood?"
    verdict = decide(analyse_question(text, analyse(text, {})), units, ReaderConfig())
    assert verdict.answer == [] and verdict.refusal and verdict.closest is units[0]
    units[0].text = "The dead were named as Ann Lee and Tom Hart."
    assert decide(analyse_question(text, analyse(text, {})), units, ReaderConfig()).answer[0] is units[0]


def test_a_refusal_names_what_is_missing_in_the_questions_words():
    from qa.query import analyse
    from qa.reader.evidence import _not_given
    from qa.reader.questions import analyse_question

    for text, said in [
        ("How long has Henrik Voss been in charge?", "do not say how long."),
        ("How many votes did the Greens get?", "do not say how many."),
        ("When does Matos start?", "do not say when."),
        ("What did the jury decide?", "do not say what was decided."),
    ]:
        assert _not_given(analyse_question(text, analyse(text, {}))).endswith(said)


def test_a_sentence_cut_at_an_abbreviated_month_or_number_is_joined_again():
    from qa.reader.sentences import _join_abbreviations

    pieces = [
        "It came from NBC News.",
        "On Oct.",
        "13, he posted a tweet.",
        "He was picked at No.",
        "7 overall.",
        "Republican Rep.",
        "Jim Jordan failed again.",
        "“It makes you a criminal,” U.S.",
        "Attorney General Merrick Garland said.",
        "He moved to the U.S.",
        "Then he left.",
        "On October 30, Google – the parent of YouTube within Alphabet Inc.",
        "– issued a filing.",
        "It is owned by Alphabet Inc.",
        "The company agreed.",
        "End.",
    ]
    text = " ".join(pieces)
    starts = [text.index(x) for x in pieces]
    cuts = [(a, a + len(x)) for a, x in zip(starts, pieces)]
    joined = _join_abbreviations(text, [(a, b, [i]) for i, (a, b) in enumerate(cuts)])
    assert [text[a:b] for a, b, _ in joined] == [
        "It came from NBC News.",
        "On Oct. 13, he posted a tweet.",
        "He was picked at No. 7 overall.",
        "Republican Rep. Jim Jordan failed again.",
        "“It makes you a criminal,” U.S. Attorney General Merrick Garland said.",
        "He moved to the U.S.",
        "Then he left.",
        "On October 30, Google – the parent of YouTube within Alphabet Inc. – issued a filing.",
        "It is owned by Alphabet Inc.",
        "The company agreed.",
        "End.",
    ]
    assert [rows for *_, rows in joined] == [[0], [1, 2], [3, 4], [5, 6], [7, 8], [9], [10], [11, 12], [13], [14], [15]]


def test_a_date_in_a_short_lead_in_clause_belongs_to_the_clause_after_it():
    def near(clause: str) -> bool:
        return "demonetized" in clause

    q = "When was the account demonetized?"
    assert date_strength("On Oct. 20, YouTube said the account would be demonetized.", q, near) == 1.0
    assert date_strength("On Oct. 20, the weather was fine, and the account was demonetized.", q, near) == 0.6


def test_a_paraphrased_detail_is_no_near_miss_when_close_in_meaning():
    from qa.reader.evidence import ReaderConfig, decide
    from qa.reader.sentences import Unit

    body = "Matos will take up the role in September 2025."
    (p,) = article_index([[body]])[1]
    u = Unit(p, 0, 0, len(body), body)
    u.score, u.relevance, u.fits, u.detail = 3.0, 0.7, 1.0, 0.0  # "start" is not in it
    text = "When does Matos start?"
    q = analyse_question(text, analyse(text, {}))
    u.similarity = 0.8
    assert decide(q, [u], ReaderConfig()).answer == [u]
    u.similarity = 0.5
    verdict = decide(q, [u], ReaderConfig())
    assert verdict.answer == [] and verdict.closest is u


def test_a_follow_ups_borrowed_terms_weigh_less_than_its_own():
    from qa.reader.evidence import question_terms

    lex, _ = article_index(
        [["The union wants a 7% pay rise."], ["Lakeline has offered 4.5%."], ["Drivers will strike on Monday."]]
    )
    text = "What is Lakeline offering? (What pay rise does the union want from Lakeline)"
    terms, full = question_terms(text, lex)
    _, weights = question_terms(text, lex, borrowed=0.3)
    by_term = dict(zip(terms, zip(full, weights)))
    assert by_term["lakelin"] == (by_term["lakelin"][0], by_term["lakelin"][0])  # its own word
    assert by_term["union"][1] == pytest.approx(0.3 * by_term["union"][0])  # borrowed


def test_a_quotation_opening_its_passage_is_quoted_with_the_speaker_named_in_the_chunk_before():
    from qa.reader.attribution import speaker_before_passage
    from qa.reader.sentences import units_of

    lex, passages = article_index(
        [
            ["Marlow won the election.", "Political scientist Dr Yusuf Okafor said it was a generational shift."],
            ['"Marlow won the under-40s by two to one," he said.', "Turnout was 41%."],
        ]
    )
    body = " ".join(p.text for p in passages)
    units = units_of(passages[1:], lex, lex.positions())
    speaker = speaker_before_passage(units, 0, lex)
    assert speaker is not None and speaker.text.startswith("Political scientist Dr Yusuf Okafor")
    assert body[speaker.start : speaker.end] == speaker.text  # an exact span of the article
    assert speaker_before_passage(units, 1, lex) is None  # "Turnout was 41%." names its own subject


@pytest.mark.parametrize(
    "text",
    [
        "What was the vote count?",
        "What is Veltrane's share price now?",
        "What was the death toll?",
        "What's the company worth after that round?",
    ],
)
def test_what_was_the_count_or_price_wants_a_number(text):
    assert answer_kind(text) is Kind.QUANTITY
    assert answer_kind("What is the cost of living crisis doing to renters?") is not Kind.QUANTITY


def _scored(body: str, question: str):
    """The units of a one-chunk article scored against the question (no vectors)."""
    from qa.reader.evidence import ReaderConfig, question_terms, score_units
    from qa.reader.sentences import units_of

    lex, passages = article_index([body.split("|")], title="Cup semi-final")
    units = units_of(passages, lex, lex.positions())
    q = analyse_question(question, analyse(question, {}))
    terms, weights = question_terms(question, lex, units)
    score_units(units, q, question, terms, weights, None, lex, ReaderConfig())
    return units


def test_a_result_counts_in_full_only_about_the_sides_the_question_names():
    q = "Who won Harlow Athletic v Dunmore Rovers in the semi-final?"
    old, new = (
        _scored(
            "Harlow Athletic host Dunmore Rovers in the semi-final.|"
            "She showed her squad footage of the 1993 semi-final win over Kessling.",
            q,
        )[1],
        _scored("Harlow Athletic host Dunmore Rovers.|Harlow Athletic beat Dunmore Rovers 2-1 in the semi-final.", q)[
            1
        ],
    )
    assert old.fits == 0.5 and new.fits == 1.0


def test_a_why_question_quotes_a_near_tied_sentence_without_a_causal_word_when_the_best_has_none():
    from qa.reader.evidence import ReaderConfig, decide
    from qa.reader.sentences import Unit

    body = "Lakeline wants drivers to accept new rotas. Drivers walked out. We cannot run a seven-day railway on a five-day rota."
    (p,) = article_index([[body]])[1]
    cuts = [(0, 43), (44, 62), (63, len(body))]
    units = [Unit(p, 0, a, b, body[a:b]) for a, b in cuts]
    for u, score in zip(units, [3.0, 1.0, 2.9]):
        u.score, u.relevance = score, 0.6
    text = "Why does Lakeline need drivers to accept the rota changes?"
    q = analyse_question(text, analyse(text, {}))
    assert [u.start for u in decide(q, units, ReaderConfig()).answer][:2] == [0, 63]
    units[0].fits = 1.0  # the best gives a cause: a second one must give one too
    assert [u.start for u in decide(q, units, ReaderConfig()).answer] == [0]


def test_page_chrome_is_told_from_news():
    from qa.reader.sentences import CHROME

    chrome = [
        "skip past newsletter promotion Sign up to Football Daily Free daily newsletter",
        "Educators and Parents, Sign Up for The Cheat Sheet Weekly newsletter Client key* E-mail Address* Go",
        "For more information see our Newsletters may contain info about charities, online ads.",
        "Photograph: Andrew Powell/Liverpool FC/Getty Images",
        "By signing up you agree to our Terms of Use and Privacy Policy",
    ]
    news = [
        "The club signed up 1,000 new members last year.",
        "A photograph of the meeting was released by the Kremlin.",
        "The company changed its privacy settings after the fine.",
    ]
    assert all(CHROME.search(t) for t in chrome)
    assert not any(CHROME.search(t) for t in news)


def test_an_outlet_named_the_something_is_not_the_the_something():
    from qa.reader.extractive import _the

    assert _the("The Guardian") == "The Guardian" and _the("TechCrunch") == "the TechCrunch"


def test_a_speaker_named_by_surname_is_found_by_the_whole_name():
    from qa.reader.attribution import _surnames, full_name
    from qa.reader.sentences import units_of

    assert _surnames("Which Bergman says Snap hasn't done.") == ["Bergman"]
    assert _surnames("Matthew Bergman says Snap hasn't done.") == []  # already whole
    assert _surnames("The deal was fair, said Achebe.") == ["Achebe"]

    first = "At Snap, messages vanish, says Matthew Bergman, the lead attorney."
    lex, passages = article_index(
        [[first], ["Snap has not acted, which Bergman says matters.", "It is a drug market, he said."]]
    )
    body = " ".join(p.text for p in passages)
    units = units_of(passages[1:], lex, lex.positions())
    whole = full_name(units[:1], lex)
    assert whole is not None and whole.text == first and body[whole.start : whole.end] == first
    assert full_name([whole, *units[:1]], lex) is None  # the answer already says who


def test_a_span_of_time_is_a_number_of_time_units_not_an_ordinal_or_a_count():
    q = "How many weeks will Maddison be out with his injury?"
    assert quantity_strength("Maddison was hurt in the 55th minute.", q) == 0.0  # an ordinal counts nothing
    assert quantity_strength("Spurs lost Maddison and Van de Ven in two huge blows.", q) == 0.3
    assert quantity_strength("Maddison will miss the next six weeks.", q) == 1.0
    how_long = "How long has Smith been in charge?"
    assert quantity_strength("Smith has been in charge since 2019, winning two titles.", how_long) == 1.0
    assert quantity_strength("Smith won two titles in charge.", how_long) == 0.3


def test_the_lede_is_the_first_real_sentence_of_the_article():
    from qa.reader.sentences import lede, units_of

    lex, passages = article_index(
        [
            ["By Ann Lee.", "Enter a valid email address to get our free weekly Lifestyle Edit newsletter now."],
            ["The Valmora Philharmonic has appointed Ana Matos as its chief conductor.", "She is 38."],
            ["Matos first conducted the orchestra in February 2023, at two days' notice."],
        ]
    )
    body = " ".join(p.text for p in passages)
    u = units_of(passages[2:], lex, lex.positions())[0]
    first = lede(u, lex)
    assert first is not None and first.text.startswith("The Valmora Philharmonic has appointed")
    assert body[first.start : first.end] == first.text  # an exact span of the article


def test_a_term_in_scare_quotes_is_no_statement():
    from qa.reader.attribution import _quotes

    assert not _quotes('The Food and Drug Administration (FDA) lists "ileus" as a side effect.')
    assert _quotes('"We are reviewing the study," the FDA said.')
    assert _quotes("“The drugs are safe when used as directed.")  # a quotation running on


def test_a_decision_is_an_outcome():
    from qa.reader.kinds import outcome_strength

    q = "What did the jury end up deciding in Epic's case against Google?"
    assert answer_kind(q) is Kind.OUTCOME
    assert outcome_strength("Epic and Google have to convince a jury, not the judge.", q) == 0.0
    assert outcome_strength("The jury found Google liable on every count.", q) == 1.0
    fed = "What did the Federal Reserve decide on interest rates in December?"
    assert answer_kind(fed) is Kind.OUTCOME
    assert outcome_strength("Traders expect the Fed to hold rates steady at its meeting next week.", fed) == 0.0


def test_a_number_answers_only_next_to_what_the_question_measures():
    from qa.reader.evidence import ReaderConfig

    q = "What is Veltrane's share price now?"
    revenue, price = _scored(
        "Revenue at Veltrane fell 4.8% to €1.19 billion.|Veltrane shares closed at €23.40, a price up 3% on the day.", q
    )
    assert revenue.fits < ReaderConfig().min_fits <= price.fits  # revenue is no share price
    (span,) = _scored("Henrik Voss will step down after 12 years in the post.", "How long has Voss been in charge?")
    assert span.fits >= ReaderConfig().min_fits  # a span of time need not repeat "in charge"
    # a follow-up's measure is its own ("worth"), not the one it borrowed ("raise")
    (raised,) = _scored("10MS raised $5.5 million this week.", "What's it worth? (How much did 10MS raise)")
    assert raised.fits < ReaderConfig().min_fits


def test_short_forms_of_names_are_written_out():
    from qa.reader.questions import spelled_out

    assert spelled_out("Who did Michigan St. hire as coach?") == "Who did Michigan State hire as coach?"
    assert spelled_out("Did Man Utd win?") == "Did Man United win?"
    for kept in ("Why did Wall St. fall?", "Who runs St. Louis?", "Is Main St. closed?"):
        assert spelled_out(kept) == kept


def test_a_reason_told_as_a_consequence_is_quoted_with_the_sentence_before():
    from qa.reader.evidence import ReaderConfig, decide
    from qa.reader.sentences import units_of

    lex, passages = article_index(
        [
            ["Sponsors dropped out during the pandemic.", "Sadiq needed a paid version to survive."],
            ["So the school started charging for its courses.", "It now has 2 million users."],
        ]
    )
    units = units_of(passages, lex, lex.positions())[2:]  # retrieval brought the second chunk only
    for u, (score, relevance) in zip(units, [(3.0, 0.7), (1.0, 0.2)]):
        u.score, u.relevance = score, relevance
    text = "Why did the school start charging for content?"
    q = analyse_question(text, analyse(text, {}))
    answer = [u.text for u in decide(q, units, ReaderConfig(), lex).answer]
    assert answer == ["So the school started charging for its courses.", "Sadiq needed a paid version to survive."]


def test_going_on_to_do_something_is_not_speaking():
    from qa.reader.kinds import SPEECH

    assert not SPEECH.search("Rents had continued to climb, which added to the pressure.")
    assert SPEECH.search('Novo Nordisk continued, "With respect to the study ..."')
    assert SPEECH.search("The chancellor added.")


def test_a_span_of_time_a_pronoun_one_or_the_questions_own_number_counts_nothing():
    q = "How many mice were in the experiment?"
    assert quantity_strength("Groups of mice ate only within six-hour windows each day.", q) == 0.0
    assert (
        quantity_strength("Weight has gone up over the past 20 years, he says.", "How much does the truck weigh?")
        == 0.0
    )
    assert quantity_strength("The study used 40 mice.", q) == 1.0
    assert quantity_strength("He was in charge for 12 years.", "How long was he in charge?") == 1.0
    assert quantity_strength("At least one variant weighs as much as a Hummer.", "How much does it weigh?") == 0.0
    q = "How many copies did Pink Friday 2 sell?"
    assert quantity_strength("Before “Pink Friday 2,” her fifth album, dropped, fans waited.", q) == 0.0
    assert quantity_strength("“Pink Friday 2,” sold 228,000 copies.", q) == 1.0


def test_an_acronym_is_found_spelled_out():
    assert mentions(words("Researchers at University of California San Diego School of Medicine"), "UCSD")
    assert mentions(words("neither the National Highway Traffic Safety Administration nor"), "NHTSA")
    assert not mentions(words("San Diego and California universities"), "UCSD")
    assert not mentions(words("a different University of California campus"), "UCSD")


def test_a_question_in_lower_case_takes_the_capitals_the_passages_write():
    from qa.reader.casing import truecase
    from qa.reader.questions import NOT_NAMES

    passages = [
        "Portugal captain Cristiano Ronaldo scored 54 goals in 2023, and Ronaldo said he will go on.",
        "Jada Pinkett Smith said she and Will Smith have been separated since 2016; Will Smith will speak.",
        "Apple said its Vision Pro will cost $3,499. We ate an apple and a pear with Jada Pinkett Smith.",
    ]
    assert truecase("how many goals did ronaldo score?", passages, NOT_NAMES) == "how many goals did Ronaldo score?"
    assert (
        truecase("since when have jada and will smith been separated", passages, NOT_NAMES)
        == "since when have jada and Will Smith been separated"
    )
    # the passages write "apple" both ways and begin a sentence with "Apple": left as typed
    assert truecase("what will apple's vision pro cost", passages, NOT_NAMES) == "what will apple's Vision Pro cost"
    # a question with capitals is its writer's own
    assert truecase("Did ronaldo score? Ask Apple", passages, NOT_NAMES) == "Did ronaldo score? Ask Apple"
    q = analyse_question("how many goals did Ronaldo score?", analyse("how many goals did Ronaldo score?", {}))
    assert q.names == ["Ronaldo"]


def test_what_day_wants_a_day_and_its_slot_is_no_word_to_find():
    from qa.reader.evidence import _content

    q = "What day did Time name Swift its Person of the Year?"
    assert date_strength("Taylor Swift has been named Time’s 2023 Person of the Year.", q) == 0.0
    assert date_strength("On Wednesday 6 December, the magazine announced Swift had won.", q) == 1.0
    assert date_strength("It was named on Oct. 20, 2023.", "What date was it named?") == 1.0
    assert date_strength("Taylor Swift has been named Time’s 2023 Person of the Year.", "When was Swift named?") == 1.0
    assert "day" not in _content(q).lower() and "old" not in _content("How old is he?").lower()


def test_a_sentence_announcing_what_follows_is_quoted_with_it():
    from qa.query import analyse
    from qa.reader.evidence import ReaderConfig, decide
    from qa.reader.questions import analyse_question

    body = "Asked about streaming, Kyncl's answer was unequivocal. “Music is much more resilient.” Other news."
    units = _scored_units(body, [(0, 54), (55, 86), (87, len(body))], [(3.0, 0.7), (1.0, 0.3), (0.5, 0.2)])
    text = "Is music streaming in trouble like video streaming?"
    q = analyse_question(text, analyse(text, {}))
    assert [u.text for u in decide(q, units, ReaderConfig()).answer] == [body[0:54], body[55:86]]
    units[0].text = "Kyncl spoke about streaming at length."  # nothing announced: nothing added
    assert [u.start for u in decide(q, units, ReaderConfig()).answer] == [0]


def test_a_short_part_after_its_outlet_is_its_own():
    text = "Which came out first: Polygon's review of Spider-Man 2 or Engadget's review of Mario Wonder?"
    q = analyse_question(text, analyse(text, {"polygon": ["polygon"], "engadget": ["engadget"]}))
    assert [(p.outlets, "Spider-Man" in p.text, "Mario" in p.text) for p in q.parts] == [
        (["polygon"], True, False),
        (["engadget"], False, True),
    ]


def test_a_pronouns_contraction_is_no_name():
    from qa.reader.kinds import name_strength

    text = "Who owns the studio that made Spider-Man 2?"
    q = analyse_question(text, analyse(text, {}))
    assert name_strength("But I’m glad they’re there, anyway.", q) == 0.0
    assert name_strength("It’s made by Insomniac Games, owned by Sony.", q) == 1.0


def test_how_much_or_how_big_asks_an_amount_even_of_an_agreement():
    assert answer_kind("How big a fine did Changpeng Zhao personally agree to?") is Kind.QUANTITY
    assert answer_kind("How much did they agree to pay?") is Kind.QUANTITY
    assert answer_kind("How many seats did Kessling Together win on the council?") is Kind.OUTCOME


def test_a_question_asking_only_the_slot_of_its_names_needs_no_other_word():
    from qa.reader.evidence import ReaderConfig, decide

    body = "Michigan State hired Jonathan Smith. Smith, 44, spent six seasons at Oregon State."
    units = _scored_units(
        body, [(0, 36), (37, len(body))], [(3.0, 0.6), (2.9, 0.6)], names=1.0, detail=0.0, similarity=0.5
    )
    units[0].fits, units[1].fits = 0.0, 1.0
    for text, answered in [("How old is Jonathan Smith?", True), ("How old was Jonathan Smith when hired?", False)]:
        q = analyse_question(text, analyse(text, {}))
        verdict = decide(q, units, ReaderConfig())
        assert (verdict.refusal is None) is answered, text
        if answered:
            assert [u.start for u in verdict.answer] == [37]


def test_a_bare_reply_is_quoted_with_the_question_it_answers():
    from qa.reader.evidence import ReaderConfig, decide

    body = "Roos asked Wang if he had committed wire fraud. “Yes,” responded Wang. The trial went on."
    cuts = [(0, 47), (48, 71), (72, len(body))]
    units = _scored_units(body, cuts, [(1.0, 0.3), (3.0, 0.7), (0.5, 0.2)], attributed=True)
    text = "Did Wang admit to crimes on the stand?"
    q = analyse_question(text, analyse(text, {}))
    assert [u.start for u in decide(q, units, ReaderConfig()).answer] == [0, 48]
    units[1].text = "Wang spoke for an hour on the stand."
    assert [u.start for u in decide(q, units, ReaderConfig()).answer] == [48]


def test_a_later_part_with_he_carries_the_name_before_it_and_now_is_no_word_to_find():
    from qa.reader.evidence import _content

    text = "What is Arik Armstead's 2024 cap number with the 49ers, and is he expected to play against the Eagles?"
    q = analyse_question(text, analyse(text, {}))
    assert len(q.parts) == 2 and q.parts[1].text.endswith("(Arik Armstead)")
    assert "days" not in _content("What is Canelo Alvarez worth these days?")


def test_a_count_is_no_money_share_or_day_and_a_month_is_no_year():
    q = "How many Activision Blizzard staff did Microsoft let go?"
    assert quantity_strength("The deal was approved on October 12, 2023, after a long review.", q) == 0.0
    assert quantity_strength("Microsoft completed its $69B takeover of Activision Blizzard.", q) == 0.0
    assert quantity_strength("Shares fell 5% after Microsoft let staff go.", q) == 0.0
    assert quantity_strength("Microsoft let 1,900 Activision Blizzard staff go.", q) == 1.0
    assert quantity_strength("Microsoft paid $69B.", "How much did Microsoft pay?") == 1.0
    q = "In which month of 2024 is the solar maximum expected?"
    assert date_strength("The peak would likely arrive by 2024.", q) == 0.0
    assert date_strength("The peak is now expected in July 2024.", q) == 1.0


def _scored_units(body: str, cuts, scored, **same):
    """One article's sentences (``cuts``) as reader units, each with its (score,
    relevance) from ``scored`` and the features in ``same``."""
    from qa.reader.sentences import Unit

    (p,) = article_index([[body]])[1]
    units = [Unit(p, 0, s, e, body[s:e]) for s, e in cuts]
    for u, (score, relevance) in zip(units, scored):
        u.score, u.relevance = score, relevance
        for name, value in same.items():
            setattr(u, name, value)
    return units


def test_when_a_thing_happens_is_the_slot_not_a_word_to_find():
    from qa.reader.evidence import _content

    for text in ("When's the continuation vote supposed to happen?", "When will the summit take place?"):
        kept = _content(text).lower()
        assert "vote" in kept or "summit" in kept
        assert not any(w in kept.split() for w in ("happen", "supposed", "take", "place"))


def test_what_a_charge_carries_is_no_sentence_given_unless_the_ceiling_is_asked():
    got = "How long a prison sentence did he end up getting?"
    assert quantity_strength("He faces up to 50 years in prison when he is sentenced.", got) == 0.0
    assert quantity_strength("Each charge carries a sentence of one to 15 years in prison.", got) == 0.0
    assert quantity_strength("He was sentenced to 25 years in prison on Thursday.", got) == 1.0
    assert quantity_strength("He faces up to 50 years in prison.", "How long could he get in prison?") == 1.0
    # a gadget's "up to 30 hours" is a figure of its own
    assert (
        quantity_strength("The case adds up to 30 hours of battery life.", "How many hours does the battery last?") > 0
    )


def test_an_acronym_alone_is_seldom_whom_a_who_question_asks():
    from qa.reader.kinds import name_strength

    text = "What was the name of the New York lawyer caught citing fake cases?"
    q = analyse_question(text, analyse(text, {}))
    assert q.kind is Kind.PERSON
    assert name_strength("A lawyer in New York was caught using the generative AI for research.", q) < 0.6
    assert name_strength("Steven Schwartz, a lawyer in New York, used the generative AI.", q) == 1.0
    text = "Who opened the inquiry into the leak?"
    q = analyse_question(text, analyse(text, {}))
    assert name_strength("In March the FBI opened an inquiry.", q) >= 0.6
