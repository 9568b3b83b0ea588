/** A user of the server, as the metadata store and the access rules see one. */
export interface User {
  id: number;
  name: string;
  admin: boolean;
}
