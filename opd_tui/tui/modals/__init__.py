"""Modal screens of the desk: confirmations, prompts and forms."""

from .booking import BookingForm, BookingRequest
from .confirm import ConfirmModal
from .doctors import DoctorForm, DoctorsScreen, ScheduleForm
from .emergency import EmergencyModal
from .form import Form
from .prompt import NumberPrompt
from .search import SearchHit, SearchModal

__all__ = [
    "BookingForm",
    "BookingRequest",
    "ConfirmModal",
    "DoctorForm",
    "DoctorsScreen",
    "EmergencyModal",
    "Form",
    "NumberPrompt",
    "ScheduleForm",
    "SearchHit",
    "SearchModal",
]
