import { createElement, type ReactElement, type ReactNode, type SVGProps } from 'react';
import {
  ArrowDown as LucideArrowDown,
  ArrowLeft as LucideArrowLeft,
  ArrowRight as LucideArrowRight,
  ArrowUp as LucideArrowUp,
  ArrowUpDown as LucideArrowUpDown,
  AtSign as LucideAtSign,
  BarChart3 as LucideBarChart3,
  Building2 as LucideBuilding2,
  CalendarClock as LucideCalendarClock,
  CalendarPlus as LucideCalendarPlus,
  CalendarSync as LucideCalendarSync,
  Check as LucideCheck,
  ChevronDown as LucideChevronDown,
  ChevronLeft as LucideChevronLeft,
  ChevronRight as LucideChevronRight,
  ChevronsLeft as LucideChevronsLeft,
  CircleAlert as LucideCircleAlert,
  CircleCheck as LucideCircleCheck,
  CircleUserRound as LucideCircleUserRound,
  Contact as LucideContact,
  Columns3 as LucideColumns3,
  Copy as LucideCopy,
  CreditCard as LucideCreditCard,
  Download as LucideDownload,
  ExternalLink as LucideExternalLink,
  Eye as LucideEye,
  EyeOff as LucideEyeOff,
  FileSpreadsheet as LucideFileSpreadsheet,
  FileText as LucideFileText,
  History as LucideHistory,
  Inbox as LucideInbox,
  Info as LucideInfo,
  KeyRound as LucideKeyRound,
  LayoutDashboard as LucideLayoutDashboard,
  Loader2 as LucideLoader2,
  Lock as LucideLock,
  LogOut as LucideLogOut,
  Mail as LucideMail,
  MailCheck as LucideMailCheck,
  MailOpen as LucideMailOpen,
  MailPlus as LucideMailPlus,
  MailX as LucideMailX,
  Menu as LucideMenu,
  MessageSquareText as LucideMessageSquareText,
  MessagesSquare as LucideMessagesSquare,
  Paperclip as LucidePaperclip,
  PenSquare as LucidePenSquare,
  Plus as LucidePlus,
  Printer as LucidePrinter,
  Radar as LucideRadar,
  ReceiptText as LucideReceiptText,
  Reply as LucideReply,
  ReplyAll as LucideReplyAll,
  ScrollText as LucideScrollText,
  Search as LucideSearch,
  SearchX as LucideSearchX,
  Send as LucideSend,
  Settings as LucideSettings,
  ShieldCheck as LucideShieldCheck,
  Trash2 as LucideTrash2,
  TriangleAlert as LucideTriangleAlert,
  Undo2 as LucideUndo2,
  Upload as LucideUpload,
  UserPlus as LucideUserPlus,
  Users as LucideUsers,
  UsersRound as LucideUsersRound,
  X as LucideX,
  Bold as LucideBold,
  Italic as LucideItalic,
  List as LucideList,
  ListOrdered as LucideListOrdered,
  Quote as LucideQuote,
  Link2 as LucideLink2,
  FilePen as LucideFilePen,
  Image as LucideImage,
  Strikethrough as LucideStrikethrough,
  type LucideIcon,
} from 'lucide-react';

/**
 * The app's icons: Lucide's drawings, rendered by one small component each.
 *
 * Lucide's own component rebuilds its attributes on every render (object spreads, a class merge
 * with a regular expression, an accessibility scan) through two component layers; a page draws
 * 20 to 40 icons, and on the list page that was about 4% of the server's time per request. Here
 * the drawing's elements are made once, when this module loads, and each render only makes the
 * `<svg>` around them. The markup is Lucide's: the same attributes and `lucide lucide-<name>`
 * classes, and `aria-hidden="true"` unless the icon is given an `aria-*`, `role` or `title`.
 */
export type IconProps = SVGProps<SVGSVGElement>;
export type IconComponent = (props: IconProps) => ReactElement;

type IconData = { name: string; node: [string, Record<string, string>][] };

/** The drawing behind a Lucide component: its component renders `Icon` with `icon` as a prop. */
function iconData(icon: LucideIcon): IconData {
  const { render } = icon as unknown as { render: (props: object, ref: null) => ReactElement<{ icon: IconData }> };
  return render({}, null).props.icon;
}

function labelled(props: IconProps): boolean {
  for (const key in props) {
    if ((key.startsWith('aria-') || key === 'role' || key === 'title') && props[key as keyof IconProps] != null) return true;
  }
  return false;
}

function fromLucide(icon: LucideIcon): IconComponent {
  const { name, node } = iconData(icon);
  const drawing: ReactNode[] = node.map(([tag, attributes]) => createElement(tag, attributes));
  const base = `lucide lucide-${name}`;
  function Icon({ className, ...props }: IconProps) {
    return createElement(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        width: 24,
        height: 24,
        viewBox: '0 0 24 24',
        fill: 'none',
        stroke: 'currentColor',
        strokeWidth: 2,
        strokeLinecap: 'round',
        strokeLinejoin: 'round',
        'aria-hidden': labelled(props) ? undefined : 'true',
        ...props,
        className: className ? `${base} ${className}` : base,
      },
      drawing,
    );
  }
  Icon.displayName = icon.displayName;
  return Icon;
}

export const ArrowDown = fromLucide(LucideArrowDown);
export const ArrowLeft = fromLucide(LucideArrowLeft);
export const ArrowRight = fromLucide(LucideArrowRight);
export const ArrowUp = fromLucide(LucideArrowUp);
export const ArrowUpDown = fromLucide(LucideArrowUpDown);
export const AtSign = fromLucide(LucideAtSign);
export const BarChart3 = fromLucide(LucideBarChart3);
export const Building2 = fromLucide(LucideBuilding2);
export const CalendarClock = fromLucide(LucideCalendarClock);
export const CalendarPlus = fromLucide(LucideCalendarPlus);
export const CalendarSync = fromLucide(LucideCalendarSync);
export const Check = fromLucide(LucideCheck);
export const ChevronDown = fromLucide(LucideChevronDown);
export const ChevronLeft = fromLucide(LucideChevronLeft);
export const ChevronRight = fromLucide(LucideChevronRight);
export const ChevronsLeft = fromLucide(LucideChevronsLeft);
export const CircleAlert = fromLucide(LucideCircleAlert);
export const CircleCheck = fromLucide(LucideCircleCheck);
export const CircleUserRound = fromLucide(LucideCircleUserRound);
export const Contact = fromLucide(LucideContact);
export const Columns3 = fromLucide(LucideColumns3);
export const Copy = fromLucide(LucideCopy);
export const CreditCard = fromLucide(LucideCreditCard);
export const Download = fromLucide(LucideDownload);
export const ExternalLink = fromLucide(LucideExternalLink);
export const Eye = fromLucide(LucideEye);
export const EyeOff = fromLucide(LucideEyeOff);
export const FileSpreadsheet = fromLucide(LucideFileSpreadsheet);
export const FileText = fromLucide(LucideFileText);
export const History = fromLucide(LucideHistory);
export const Inbox = fromLucide(LucideInbox);
export const Info = fromLucide(LucideInfo);
export const KeyRound = fromLucide(LucideKeyRound);
export const LayoutDashboard = fromLucide(LucideLayoutDashboard);
export const Loader2 = fromLucide(LucideLoader2);
export const Lock = fromLucide(LucideLock);
export const LogOut = fromLucide(LucideLogOut);
export const Mail = fromLucide(LucideMail);
export const MailCheck = fromLucide(LucideMailCheck);
export const MailOpen = fromLucide(LucideMailOpen);
export const MailPlus = fromLucide(LucideMailPlus);
export const MailX = fromLucide(LucideMailX);
export const Menu = fromLucide(LucideMenu);
export const MessageSquareText = fromLucide(LucideMessageSquareText);
export const MessagesSquare = fromLucide(LucideMessagesSquare);
export const Paperclip = fromLucide(LucidePaperclip);
export const PenSquare = fromLucide(LucidePenSquare);
export const Plus = fromLucide(LucidePlus);
export const Printer = fromLucide(LucidePrinter);
export const Radar = fromLucide(LucideRadar);
export const ReceiptText = fromLucide(LucideReceiptText);
export const Reply = fromLucide(LucideReply);
export const ReplyAll = fromLucide(LucideReplyAll);
export const ScrollText = fromLucide(LucideScrollText);
export const Search = fromLucide(LucideSearch);
export const SearchX = fromLucide(LucideSearchX);
export const Send = fromLucide(LucideSend);
export const Settings = fromLucide(LucideSettings);
export const ShieldCheck = fromLucide(LucideShieldCheck);
export const Trash2 = fromLucide(LucideTrash2);
export const TriangleAlert = fromLucide(LucideTriangleAlert);
export const Undo2 = fromLucide(LucideUndo2);
export const Upload = fromLucide(LucideUpload);
export const UserPlus = fromLucide(LucideUserPlus);
export const Users = fromLucide(LucideUsers);
export const UsersRound = fromLucide(LucideUsersRound);
export const X = fromLucide(LucideX);
export const Bold = fromLucide(LucideBold);
export const Italic = fromLucide(LucideItalic);
export const List = fromLucide(LucideList);
export const ListOrdered = fromLucide(LucideListOrdered);
export const Quote = fromLucide(LucideQuote);
export const Link2 = fromLucide(LucideLink2);
export const FilePen = fromLucide(LucideFilePen);
export const ImageIcon = fromLucide(LucideImage);
export const Strikethrough = fromLucide(LucideStrikethrough);
