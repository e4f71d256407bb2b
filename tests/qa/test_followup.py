from qa.followup import condense, is_follow_up


def test_new_entity_keeps_previous_topic():
    q, prev = condense("And what did Kuleba say?", ["What did France say about the withdrawal?"])
    assert q.lower() == "what did kuleba say about the withdrawal"
    assert prev == "What did France say about the withdrawal?"


def test_what_about_substitutes_the_subject():
    q, _ = condense("What about Germany?", ["What did France say about the withdrawal?"])
    assert q == "What did Germany say about the withdrawal"


def test_pronoun_follow_up_carries_previous_question():
    q, _ = condense("When was that?", ["What did France say about the withdrawal?"])
    assert "France" in q and q.startswith("When was that")


def test_chained_follow_ups_resolve_in_order():
    q, _ = condense("Why?", ["What did France say about the withdrawal?", "And what did Kuleba say?"])
    assert "Kuleba" in q and "withdrawal" in q


def test_standalone_question_is_left_alone():
    q = "What did the Morgan Stanley survey of large company CIOs find about generative AI?"
    assert not is_follow_up(q)
    assert condense(q, ["What did France say?"])[0] == q
