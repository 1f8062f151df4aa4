"""Who acts: a signed-in user, or the system itself.

Every service takes the acting user as a required keyword (`user=`). Management commands, data
loads and the seed act as `SYSTEM`, explicitly: a caller that forgets `user=` gets a TypeError
instead of silently skipping the district check, and `user=None` is no one (refused).
"""


class SystemActor:
    """The system acting on its own (commands, the seed, the synthetic data, data migrations).

    It may write every district and the province's shared data. It is not a user: the records
    it writes name no user (`created_by`, `history_user` stay empty), the command's name instead.
    """

    is_authenticated = False
    is_anonymous = False
    pk = id = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __bool__(self) -> bool:
        return True


SYSTEM = SystemActor()


def is_system(user) -> bool:
    return user is SYSTEM
