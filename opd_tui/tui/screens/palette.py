"""What the desk offers in the command palette and the footer, and which actions need a
selection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeskAction:
    """A desk action as the command palette offers it."""

    action: str
    title: str
    help: str


PALETTE = [
    DeskAction("book", "Book a token", "Book a patient into the selected slot (or any other)"),
    DeskAction("emergency", "Emergency", "Seat an emergency in the doctor's current slot"),
    DeskAction("check_in", "Check in", "Mark the selected patient as arrived"),
    DeskAction("call_next", "Call next", "Call the doctor's next checked-in patient"),
    DeskAction("complete", "Complete consultation", "Mark the selected patient as seen"),
    DeskAction("no_show", "No-show", "Mark the selected patient as not come"),
    DeskAction("cancel_token", "Cancel token", "Cancel the selected patient's token"),
    DeskAction("move", "Move token", "Move the selected patient to a slot you pick in the grid"),
    DeskAction("capacity", "Change capacity", "Change the seats of the selected slot"),
    DeskAction("close_slot", "Close slot", "Close the selected slot; its patients go to later slots"),
    DeskAction("delay", "Doctor delay", "Shift the doctor's coming slots by some minutes"),
    DeskAction("undo", "Undo", "Take back this desk's last cancel, no-show, check-in, call or "
               "closed slot on the selection, with a reason"),
    DeskAction("requeue", "Not here: back to the queue",
               "The called patient is not there: back to booked, the doctor free again"),
    DeskAction("report", "Day's report", "Seen, no-shows, waits and utilisation per doctor "
               "and per source"),
    DeskAction("search", "Find a token", "Search by token number, name, phone or hospital number"),
    DeskAction("previous_day", "Previous day", "Show the day before"),
    DeskAction("next_day", "Next day", "Show the day after"),
    DeskAction("today", "Today", "Back to today"),
    DeskAction("doctors", "Doctors", "Add, edit, deactivate doctors and generate their slots"),
    DeskAction("add_doctor", "Add a doctor", "A new doctor for the desk"),
    DeskAction("edit_doctor", "Edit doctor", "Change the selected doctor's name, department, room"),
    DeskAction("deactivate_doctor", "Deactivate doctor", "Take the selected doctor off the desk"),
    DeskAction("generate", "Generate slots", "Cut the selected doctor's day into equal slots"),
    DeskAction("week", "Doctor's week and leave", "The selected doctor's weekly roster and "
               "leave dates; the next 14 days are made from it"),
    DeskAction("reassign", "Hand over doctor's day", "An absent doctor's patients to a "
               "colleague in the same department, with a preview"),
    DeskAction("toggle_theme", "Light/dark theme", "Switch between the dark and light theme"),
    DeskAction("help", "Keys of the desk", "Every key of the desk and what it does"),
    DeskAction("simulate", "Simulation", "Play a synthetic OPD day live, on a private in-memory "
               "database (never this desk's)"),
]

TOKEN_ACTIONS = {"check_in", "complete", "no_show", "cancel_token", "move"}
SLOT_ACTIONS = {"capacity", "close_slot", "undo"}
DOCTOR_ACTIONS = {"call_next", "delay", "emergency", "edit_doctor", "deactivate_doctor",
                  "requeue", "week", "reassign"}

#: The footer's keys when it cannot show them all, most wanted first; the rest stay
#: on their keys and in the palette.
FOOTER_ORDER = [
    "stop_move", "book", "search", "check_in", "call_next", "complete", "no_show",
    "cancel_token", "move", "emergency", "capacity", "close_slot", "delay", "doctors", "help",
]
