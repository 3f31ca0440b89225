"""A mentee's goals, from `/mentor goals` and the App Home: adding one,
updating one; and a mentor reading a mentee's goals from a session."""

from __future__ import annotations

from handlers import screens
from handlers.click import Click, action
from handlers.ids import Action
from handlers.metadata import GoalRef, SessionRef
from handlers.render.goals import add_goal_modal


@action(Action.ADD_GOAL, opens_modal=True)
def handle_action_add_goal(click: Click) -> None:
    click.open(add_goal_modal)


@action(Action.UPDATE_GOAL, opens_modal=True)
def handle_action_update_goal(click: Click) -> None:
    """Someone else's goal (a forged value) opens no form: the domain refuses it."""
    ref = click.carried(GoalRef)
    click.open(lambda: screens.goal_form(click.acting, goal_id=ref.goal_id))


@action(Action.SESSION_GOALS, opens_modal=True)
def handle_action_session_goals(click: Click) -> None:
    ref = click.carried(SessionRef)
    click.open(
        lambda: screens.goals_of_session(click.acting, click.deps, session_id=ref.session_id)
    )
