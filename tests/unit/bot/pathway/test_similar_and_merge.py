"""Similar ideas: leaders see "looks like #N", the submitter may vote for that one
instead; leaders merge duplicates, carrying votes and submitters over, naming nobody."""

from __future__ import annotations

from bot import actions
from bot.events import ConversationRef, MemberAdded, MessageReceived, PersonRef
from bot.messages import OutboundMessage
from bot.people.roles import Role
from tests.unit.bot.dispatch_harness import ChatHarness, texts


async def _two_similar(chat: ChatHarness) -> tuple[int, int, OutboundMessage]:
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    await chat.join("ben")
    await chat.say("ana", "idea a float nurse on Mondays")
    [reply] = await chat.say("ben", "idea float nurses every Monday morning")
    first, second = (idea.id for idea in await chat.ideas())
    return first, second, reply


async def test_leaders_see_looks_like_and_the_submitter_may_vote_there_instead(
    chat: ChatHarness,
) -> None:
    first, second, reply = await _two_similar(chat)
    await chat.outbox.dispatch_due()
    _workspace, _audience, card = chat.sender.announced[-1]
    assert card.idea is not None and f"Looks like #{first}" in card.idea.facts
    assert f"looks a lot like idea #{first}" in reply.text
    [offer] = reply.buttons
    assert offer.label == f"Vote for #{first} instead"

    replies = await chat.press("ben", offer.action_id, offer.value)
    assert any(f"vote for idea #{first} is counted" in text for text in texts(replies))
    assert any(f"#{second} is withdrawn" in text for text in texts(replies))
    assert [idea.id for idea in await chat.ideas()] == [first]
    # Taken again (a double press): idempotent, with a clear sentence.
    again = texts(await chat.press("ben", offer.action_id, offer.value))
    assert any("already voted" in text for text in again)


async def test_unrelated_ideas_are_not_called_alike(chat: ChatHarness) -> None:
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    await chat.say("ana", "idea a float nurse on Mondays")
    [reply] = await chat.say("ana", "idea free coffee in the break room")
    assert reply.buttons == () and "looks a lot like" not in reply.text


async def test_a_merge_carries_votes_and_submitters_and_tells_everyone_naming_nobody(
    chat: ChatHarness,
) -> None:
    first, second, _reply = await _two_similar(chat)
    await chat.join("cai")
    await chat.say("cai", f"vote {second}")
    await chat.say("ana", f"vote {second}")  # ana voted for the duplicate of her own idea
    await chat.outbox.dispatch_due()
    sent_before = len(chat.sender.sent)

    [done] = texts(await chat.say("lee", f"merge #{second} into #{first}"))
    assert f"Merged idea #{second} into #{first}" in done and "2 votes" in done
    merged, into = await chat.idea(second), await chat.idea(first)
    assert (merged.state, merged.merged_into_id) == ("merged", first)
    # Both histories kept: the duplicate's own moves, and the merge on the other.
    assert [e.to_state for e in await chat.idea_events(second)] == ["submitted", "merged"]
    assert "merged into this one" in str((await chat.idea_events(first))[-1].note)
    await chat.outbox.dispatch_due()
    news = [(to.conversation_id, m.text) for to, m in chat.sender.sent[sent_before:]]
    to_ben = [text for who, text in news if who == "dm-ben"]
    to_ana = [text for who, text in news if who == "dm-ana"]
    assert len(to_ben) == 1 and f"now count on #{first}" in to_ben[0]
    assert len(to_ana) == 1 and "Someone sent the same idea" in to_ana[0]
    assert "Ben" not in to_ana[0] and "Ana" not in to_ben[0]
    # From now on Ben hears every move of the idea his was merged into.
    await chat.press("lee", actions.IDEA_MOVE, f"{first}:submitted:accepted")
    await chat.outbox.dispatch_due()
    accepted = [m.text for _to, m in chat.sender.sent if "leaders accepted" in m.text]
    assert len(accepted) == 2  # ana and ben, each on their own message
    del into


async def test_merging_into_itself_or_twice_is_refused_and_nothing_changes(
    chat: ChatHarness,
) -> None:
    first, second, _reply = await _two_similar(chat)
    [itself] = texts(await chat.say("lee", f"merge {first} into {first}"))
    assert "can't be merged into itself" in itself
    await chat.say("lee", f"merge {second} into {first}")
    [twice] = texts(await chat.say("lee", f"merge {second} into {first}"))
    assert f"already merged into #{first}" in twice
    [clinician] = texts(await chat.say("ben", f"merge {first} into {second}"))
    assert "Only leaders" in clinician
    assert (await chat.idea(first)).state == "submitted"


async def test_organisations_stay_apart_no_likeness_no_vote_no_merge_across(
    chat: ChatHarness,
) -> None:
    # Bo is in another workspace, an organisation of its own.
    bo = PersonRef("local", "ward-b", "bo", "Bo")
    await chat.handle(MemberAdded(bo, ConversationRef("local", "ward-b", "dm-bo"), "evt-bo"))
    await chat.handle(
        MessageReceived(
            bo,
            ConversationRef("local", "ward-b", "dm-bo"),
            "evt-bo-idea",
            text="idea a float nurse on Mondays",
        )
    )
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    [reply] = await chat.say("ana", "idea float nurses every Monday morning")
    theirs, ours = (idea.id for idea in await chat.ideas())
    assert "looks a lot like" not in reply.text and (await chat.idea(ours)).similar_to_id is None

    [vote] = texts(await chat.say("ana", f"vote {theirs}"))
    assert f"can't find idea #{theirs}" in vote
    [merge] = texts(await chat.say("lee", f"merge {ours} into {theirs}"))
    assert f"can't find idea #{theirs}" in merge
    assert (await chat.idea(ours)).state == "submitted"
    assert (await chat.idea(theirs)).state == "submitted"
