// The campaign page (issue 15, point 5): for now the campaign's facts with activate and close.
export { campaignScreen as campaignPageScreen } from './campaigns.js';
