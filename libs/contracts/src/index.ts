export {
  MAX_LINE_QUANTITY,
  RESERVATION_STATUSES,
  type ReservationLine,
  type ReservationStatus,
  type ReservedLine,
} from './reservations';
